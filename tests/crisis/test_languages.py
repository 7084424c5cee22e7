"""assistant/crisis/languages.py and the crisis reply in the visitor's language."""
from __future__ import annotations

from assistant.crisis.languages import KEYS, load_wordings, wording, wordings
from assistant.crisis.resources import CrisisResources
from assistant.crisis.screen import CrisisResult

SUICIDE = CrisisResult(True, "suicide_self_harm", layer="classifier")


def test_every_language_has_every_sentence():
    found, problems = load_wordings()
    assert problems == []
    assert {"es", "pt", "fr", "zh", "ar", "vi"} <= set(found)
    for item in found.values():
        assert "{emergency}" in item.headline and "{emergency}" in item.check_in
        assert all(getattr(item, key) for key in KEYS)


def test_english_and_unknown_languages_have_no_wording():
    assert wording("en") is None and wording(None) is None and wording("xx") is None
    assert wording("es") is wordings()["es"]


def test_an_incomplete_language_is_reported_and_skipped(tmp_path):
    path = tmp_path / "languages.yaml"
    path.write_text('languages:\n  es:\n    name: Español\n    headline: "Llama al {emergency}."\n', encoding="utf-8")
    found, problems = load_wordings(path)
    assert found == {}
    assert "lacks" in problems[0] and "check_in" in problems[0]


def test_a_spanish_crisis_reply_opens_in_spanish_with_the_lines_own_options():
    reply = CrisisResources.load(None).crisis_reply("US", SUICIDE, "es")
    first = reply.markdown.split("\n\n")[0]
    assert first.startswith("**Si estás en peligro") and "[911](tel:911)" in first
    assert reply.headline.startswith("Si estás en peligro") and reply.language == "es"
    assert "marca 2" in reply.markdown and "AYUDA" in reply.markdown
    assert "If you are in danger right now" in reply.markdown  # the English reply follows, numbers and all
    assert reply.markdown.index("Si estás") < reply.markdown.index("988") < reply.markdown.index("If you are")


def test_french_in_canada_names_the_french_option_of_988():
    reply = CrisisResources.load(None).crisis_reply("CA", SUICIDE, "fr")
    assert reply.markdown.startswith("**Si vous êtes en danger")
    assert "En français" in reply.markdown


def test_a_language_without_wording_gets_the_english_reply():
    english = CrisisResources.load(None).crisis_reply("US", SUICIDE)
    assert CrisisResources.load(None).crisis_reply("US", SUICIDE, "xx").markdown == english.markdown
    assert english.language == "en"


def test_the_check_in_is_gentler_and_still_lists_the_lines():
    result = CrisisResult(True, "suicide_self_harm", layer="check_in", check_in=True)
    reply = CrisisResources.load(None).crisis_reply("US", result)
    assert reply.check_in and reply.headline.startswith("It sounds like things may be really hard")
    assert "988" in reply.markdown and "One thing to try" not in reply.markdown
    spanish = CrisisResources.load(None).crisis_reply("US", result, "es")
    assert spanish.headline.startswith("Parece que")


def test_an_in_language_option_must_be_a_sentence(tmp_path):
    overlay = tmp_path / "crisis"
    overlay.mkdir()
    (overlay / "local.yaml").write_text("regions:\n  US:\n    lines:\n      us_988:\n        in_language: [oops]\n",
                                        encoding="utf-8")
    resources = CrisisResources.load(tmp_path)
    assert any("in_language must map" in w for w in resources.warnings)
    assert "marca 2" in resources.crisis_reply("US", SUICIDE, "es").markdown  # the built-in line is kept
