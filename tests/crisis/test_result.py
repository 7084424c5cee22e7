"""assistant/crisis/result.py: the screen's contract."""
from __future__ import annotations

from assistant.crisis.result import NOT_DETECTED, CrisisResult, merge_categories, replace_result


def test_the_contract_has_every_field_and_no_text():
    found = CrisisResult(True, "overdose_poisoning", layer="classifier", risk=0.81234, check_in=False).to_dict()
    assert set(found) == {"detected", "category", "third_party", "layer", "matched", "categories", "negated",
                          "score", "guards", "semantic", "check_in", "risk"}
    assert found["risk"] == 0.8123 and found["detected"] is True
    assert NOT_DETECTED.to_dict()["risk"] is None


def test_replace_keeps_the_other_fields():
    base = CrisisResult(True, "suicide_self_harm", layer="lexicon", matched="ssh.x")
    changed = replace_result(base, risk=0.2)
    assert changed.risk == 0.2 and changed.matched == "ssh.x" and base.risk is None


def test_categories_merge_in_priority_order():
    assert merge_categories(["suicide_self_harm"], ["overdose_poisoning", "suicide_self_harm"]) == (
        "overdose_poisoning", "suicide_self_harm")
