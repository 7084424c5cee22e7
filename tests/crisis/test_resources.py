"""Crisis resources: region data, the crisis reply's safe-messaging rules, links, overlays."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.crisis import CATEGORIES, CrisisResult, CrisisScreen
from assistant.crisis.resources import CrisisResources

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
REGIONS = ("US", "CA", "UK", "IE", "AU", "NZ")
TEL_LINK = re.compile(r"\(tel:([^)]*)\)")
SMS_LINK = re.compile(r"\(sms:([^)]*)\)")
LINK = re.compile(r"\[[^\]]*\]\(((?:tel|sms):[^)]*)\)")


@pytest.fixture(scope="module")
def resources() -> CrisisResources:
    return CrisisResources.load(KNOWLEDGE)


def results():
    for category in (*CATEGORIES, None):
        for third in (False, True):
            yield CrisisResult(detected=True, category=category, third_party=third,
                               layer="lexicon" if category else "uncertain")


def test_the_six_regions_load_without_warnings(resources):
    assert set(REGIONS) <= set(resources.regions)
    assert resources.warnings == []
    assert resources.default_region == "US"


@pytest.mark.parametrize("requested, expected", [
    ("UK", "UK"), ("uk", "UK"), ("gb", "UK"), ("GB", "UK"), (" us ", "US"), ("usa", "US"), ("Ie", "IE"),
    ("new zealand", "NZ"), ("au", "AU"), ("ca", "CA"), ("zz", "US"), ("", "US"), (None, "US"),
])
def test_resolve_region_is_case_insensitive_with_aliases_and_a_default(resources, requested, expected):
    assert resources.resolve_region(requested, "US") == expected


def test_unknown_region_falls_back_to_the_given_default(resources):
    assert resources.resolve_region("mars", "nz") == "NZ"
    assert resources.resolve_region("mars", "also-unknown") == "US"


def test_every_resource_has_source_date_and_clean_numbers(resources):
    for code in resources.regions:
        region = resources.region(code)
        assert region.emergency.kind == "emergency" and region.emergency.tel
        for item in (region.emergency, *region.lines):
            assert item.source and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item.verified)
            assert item.verified == "2026-11-26"    # all built-in facts come from crisis-resources.md
            if item.tel:
                assert re.fullmatch(r"\+?\d+", item.tel), item
                assert item.tel_link == f"tel:{item.tel}"
            if item.sms:
                assert re.fullmatch(r"\d+", item.sms), item
            if item.caveat:
                assert item.note and item.caveat in item.note   # keep the reference's */? caveat visible


def test_nanp_numbers_use_plus_one_and_others_plain_digits(resources):
    assert resources.region("US").lines[2].tel == "+18006624357"       # SAMHSA
    assert resources.region("UK").lines[0].tel == "116123"             # Samaritans


@pytest.mark.parametrize("code", REGIONS)
def test_reply_leads_with_the_emergency_number(resources, code):
    emergency = resources.region(code).emergency
    for result in results():
        reply = resources.crisis_reply(code, result)
        assert reply.resources[0].kind == "emergency"
        first_sentence = reply.markdown.split("\n")[0]
        assert emergency.number in first_sentence and emergency.number in reply.headline
        assert LINK.findall(reply.markdown)[0] == f"tel:{emergency.tel}"


@pytest.mark.parametrize("code", REGIONS)
def test_reply_has_a_24_7_line_to_call_and_one_to_text(resources, code):
    for result in results():
        reply = resources.crisis_reply(code, result)
        lines = [r for r in reply.resources if r.kind == "crisis_line"]
        assert lines and all(r.hours == "24/7" for r in lines)
        assert any(r.tel for r in lines) and any(r.sms for r in lines)
        assert TEL_LINK.findall(reply.markdown) and SMS_LINK.findall(reply.markdown)


@pytest.mark.parametrize("code", REGIONS)
def test_links_are_well_formed(resources, code):
    for result in results():
        markdown = resources.crisis_reply(code, result).markdown + resources.helpline_line(code)
        for target in TEL_LINK.findall(markdown):
            assert re.fullmatch(r"\+?\d+", target), target
        for target in SMS_LINK.findall(markdown):
            assert re.fullmatch(r"\d+(\?body=[A-Z]+)?", target), target


@pytest.mark.parametrize("code", REGIONS)
def test_reply_is_short_and_follows_safe_messaging(resources, code):
    for result in results():
        reply = resources.crisis_reply(code, result)
        text = reply.markdown.lower()
        assert len(reply.resources) <= 4
        assert "committed suicide" not in text and "failed attempt" not in text and "epidemic" not in text
        assert not re.search(r"\b(?:\d+\s*mg|mg|doses?|lethal|fatal|how many|how much|method)\b", text)
        assert "automated" in text and "not monitored" in text and "cannot" in text and "send help" in text
        assert "if someone else is in danger" in text and "stay with them" in text
        assert "breathe in slowly" in text                 # one grounding step
        assert "got through it" in text                    # hope
        assert all(r.shown_to_visitors for r in reply.resources)


@pytest.mark.parametrize("code", REGIONS)
def test_poison_help_for_overdoses_and_third_party_medical_only(resources, code):
    def kinds(category, third):
        reply = resources.crisis_reply(code, CrisisResult(True, category, third, "lexicon"))
        return [r.kind for r in reply.resources]

    assert "poison" in kinds("overdose_poisoning", False)
    assert "poison" in kinds("overdose_poisoning", True)
    assert "poison" in kinds("medical_emergency", True)
    assert "poison" not in kinds("suicide_self_harm", False)
    assert "poison" not in kinds("violence_abuse", False)


def test_reply_from_a_real_screen_result(resources):
    screen = CrisisScreen.load(None)
    reply = resources.crisis_reply("US", screen.screen("my friend took too many pills"))
    data = reply.to_dict()
    json.dumps(data)
    assert data["region"] == "US" and data["category"] == "overdose_poisoning" and data["third_party"]
    assert [r["kind"] for r in data["resources"]] == ["emergency", "crisis_line", "drug_alcohol", "poison"]
    assert {"name", "kind", "number", "tel", "hours", "source", "verified"} <= set(data["resources"][0])
    assert data["resources"][1]["sms"] == "988" and data["resources"][1]["text_instructions"]
    assert data["message_markdown"] == reply.markdown == reply.message_markdown
    assert "Poison Help" in reply.markdown and "[1-800-222-1222](tel:+18002221222)" in reply.markdown


def test_canada_overdose_mentions_the_good_samaritan_act(resources):
    reply = resources.crisis_reply("ca", CrisisResult(True, "overdose_poisoning", False, "lexicon"))
    assert "Good Samaritan" in reply.markdown
    suicide = resources.crisis_reply("ca", CrisisResult(True, "suicide_self_harm", False, "lexicon"))
    assert "Good Samaritan" not in suicide.markdown


def test_unknown_region_gets_the_default_and_a_local_number_hint(resources):
    reply = resources.crisis_reply("atlantis", CrisisResult(True, "suicide_self_harm", False, "lexicon"))
    assert reply.region == "US" and "local emergency number" in reply.markdown
    assert "local emergency number" not in resources.crisis_reply("gb", None).markdown


def test_unconfirmed_lines_are_never_shown(resources):
    for code in REGIONS:
        for result in results():
            assert all(r.caveat is None for r in resources.crisis_reply(code, result).resources)


@pytest.mark.parametrize("code", REGIONS)
def test_helpline_line_is_one_low_key_line_with_links(resources, code):
    line = resources.helpline_line(code)
    assert "\n" not in line and line.startswith("If you're struggling right now")
    assert TEL_LINK.search(line) and SMS_LINK.search(line)
    data = resources.helpline_dict(code)
    assert data["region"] == code and data["markdown"] == line and data["resources"]
    json.dumps(data)


def test_us_helpline_line_reads_naturally(resources):
    assert resources.helpline_dict("us")["text"] == (
        "If you're struggling right now, you can call or text 988 any time (988 Suicide & Crisis Lifeline).")


# ------------------------------------------------------------------------------------------- overlays


def _overlay(tmp_path: Path, text: str) -> Path:
    (tmp_path / "crisis").mkdir(exist_ok=True)
    (tmp_path / "crisis" / "local.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_overlay_replaces_per_region_per_line_per_field(tmp_path):
    knowledge = _overlay(tmp_path, """
regions:
  us:
    lines:
      us_poison: {hours: "24/7", verified: "2027-01-15"}
      us_never_use_alone: {caveat: null, verified: "2027-01-15"}
      us_crisis_text_line: null
  XX:
    name: Testland
    emergency: {name: Emergency, number: "123", tel: "123", hours: "24/7", source: test, verified: "2027-01-01"}
    lines:
      xx_line: {name: Test Line, kind: crisis_line, number: "456", tel: "456", sms: "456", hours: "24/7",
                source: test, verified: "2027-01-01"}
""")
    resources = CrisisResources.load(knowledge)
    assert resources.warnings == []
    us = resources.region("US")
    poison = next(line for line in us.lines if line.id == "us_poison")
    assert (poison.hours, poison.verified, poison.number) == ("24/7", "2027-01-15", "1-800-222-1222")
    assert next(line for line in us.lines if line.id == "us_never_use_alone").shown_to_visitors
    assert all(line.id != "us_crisis_text_line" for line in us.lines)
    assert resources.resolve_region("xx", "US") == "XX"
    assert resources.crisis_reply("xx", None).resources[0].number == "123"
    assert resources.region("UK").lines == CrisisResources.load(None).region("UK").lines


def test_a_broken_overlay_keeps_the_built_in_region(tmp_path):
    knowledge = _overlay(tmp_path, """
regions:
  UK:
    emergency: {tel: "999-CALL"}
  US:
    lines:
      us_988: {sms: "nine eight eight"}
""")
    resources = CrisisResources.load(knowledge)
    assert len(resources.warnings) == 2
    assert all(re.search(r"local\.yaml:\d+: ", w) and "built-in entry is kept" in w for w in resources.warnings)
    assert resources.region("UK").emergency.tel == "999"
    assert resources.crisis_reply("us", None).resources[1].sms == "988"


def test_an_unreadable_overlay_is_skipped(tmp_path):
    resources = CrisisResources.load(_overlay(tmp_path, "regions: [unclosed\n"))
    assert len(resources.warnings) == 1 and "not valid YAML" in resources.warnings[0]
    assert set(REGIONS) <= set(resources.regions)


def test_shipped_overlay_has_no_effect(resources):
    defaults = CrisisResources.load(None)
    for code in REGIONS:
        assert resources.region(code) == defaults.region(code)


def test_a_first_person_overdose_is_spoken_to_directly():
    resources = CrisisResources.load(None)
    mine = resources.crisis_reply("US", CrisisResult(True, "overdose_poisoning", third_party=False))
    theirs = resources.crisis_reply("US", CrisisResult(True, "overdose_poisoning", third_party=True))
    assert mine.headline.startswith("If you may have taken too much")
    assert theirs.headline.startswith("If someone may have overdosed")
    assert "Poison Help" in mine.markdown and "Poison Help" in theirs.markdown


@pytest.mark.parametrize("code, expected", [
    ("US", ["National Domestic Violence Hotline", "988 Suicide & Crisis Lifeline"]),
    ("UK", ["National Domestic Abuse Helpline", "Samaritans", "Shout"]),
    ("AU", ["1800RESPECT", "Lifeline", "Kids Helpline"]),
])
def test_abuse_gets_the_violence_line_and_the_childrens_line_where_researched(code, expected):
    reply = CrisisResources.load(None).crisis_reply(code, CrisisResult(True, "violence_abuse"))
    assert [r.name for r in reply.resources] == ["Emergency services", *expected]


def test_abuse_without_a_researched_violence_line_gets_the_crisis_lines():
    resources = CrisisResources.load(None)
    abuse = resources.crisis_reply("CA", CrisisResult(True, "violence_abuse"))
    assert [r.kind for r in abuse.resources][:2] == ["emergency", "crisis_line"]

