"""The crisis screen: floors on our labelled sets, the lexicon without the model, fail-safe behaviour."""
from __future__ import annotations

import re
from pathlib import Path

from assistant.crisis import CrisisScreen
from tests.conftest import KNOWLEDGE


def test_overlay_terms_guards_and_exemplars_are_appended(tmp_path):
    knowledge = _overlay(tmp_path, """
terms:
  - id: local.od.went_grey
    category: overdose_poisoning
    person: third
    phrases: ["he went grey"]
guards:
  - id: local.guard.pub_quiz
    phrases: ["killed the pub quiz"]
exemplars:
  benign: ["we had fun at the alumni bowling night"]
  suicide_self_harm:
    third: ["my uncle keeps saying he wants to disappear for good"]
""")
    defaults = CrisisScreen.load(None)
    screen = CrisisScreen.load(knowledge)
    assert screen.warnings == []
    assert len(screen.terms) == len(defaults.terms) + 1
    assert len(screen.guards) == len(defaults.guards) + 1
    assert len(screen.benign_exemplars) == len(defaults.benign_exemplars) + 1
    assert len(screen.crisis_exemplars) == len(defaults.crisis_exemplars) + 1
    result = screen.screen("He went grey after using")
    assert result.matched == "local.od.went_grey" and result.third_party
    assert not screen.screen("we killed the pub quiz").detected
    assert defaults.screen("we killed the pub quiz").detected is False  # (no default term either)
    assert screen.screen("we killed the pub quiz and now i want to kill myself").detected


def test_a_broken_overlay_file_falls_back_to_the_defaults(tmp_path):
    knowledge = _overlay(tmp_path, "terms:\n  - id: x\n    phrases: [unclosed\n")
    screen = CrisisScreen.load(knowledge)
    assert len(screen.warnings) == 1
    assert re.search(r"local\.yaml:\d+: not valid YAML .*the file was skipped", screen.warnings[0])
    assert screen.screen("i want to kill myself").detected
    assert len(screen.terms) == len(CrisisScreen.load(None).terms)


def test_bad_overlay_entries_are_skipped_one_by_one_with_file_and_line(tmp_path):
    knowledge = _overlay(tmp_path, """terms:
  - id: local.bad_regex
    category: suicide_self_harm
    pattern: '(unclosed'
  - id: local.bad_category
    category: sadness
    phrases: ["blue mood"]
  - id: local.good
    category: violence_abuse
    phrases: ["he keeps the shotgun by the bed and threatens us"]
  - id: ssh.kms
    category: suicide_self_harm
    phrases: ["duplicate id"]
guards: not-a-list
thresholds: {similarity: 7}
surprise: 1
""")
    screen = CrisisScreen.load(knowledge)
    joined = "\n".join(screen.warnings)
    assert "local.yaml:2:" in joined and "regular expression" in joined
    assert "local.yaml:5:" in joined and "sadness" in joined
    assert "already used" in joined and "guards must be a list" in joined
    assert "threshold similarity" in joined and "surprise" in joined
    assert screen.screen("he keeps the shotgun by the bed and threatens us").matched == "local.good"
    assert screen.thresholds["similarity"] == CrisisScreen.load(None).thresholds["similarity"]


def test_the_shipped_overlay_is_empty_and_valid():
    screen = CrisisScreen.load(KNOWLEDGE)
    defaults = CrisisScreen.load(None)
    assert screen.warnings == [] and defaults.warnings == []
    assert len(screen.terms) == len(defaults.terms) and len(screen.guards) == len(defaults.guards)


def _overlay(tmp_path: Path, text: str, name: str = "local.yaml") -> Path:
    folder = tmp_path / "crisis"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return tmp_path
