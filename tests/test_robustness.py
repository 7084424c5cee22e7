"""Any visitor input gets a valid contract reply, never an exception (property-based)."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NASTY = [
    "", " ", "\x00" * 50, "\u202e\u202dright-to-left override", "😀" * 2000, "<script>alert(1)</script>",
    "{{7*7}} ${7*7} <%= 7*7 %>", "'; DROP TABLE entries; --", "\ud83d", "a\u0300" * 500, "x" * 100_000,
    "\r\n\t\v\f", "%s%s%s%n", "../../../../etc/passwd", "\ufeffBOM question",
]


def check_contract(reply: dict) -> None:
    assert reply["kind"] in {"answer", "fallback", "crisis"}
    assert isinstance(reply["crisis"]["detected"], bool)
    assert isinstance(reply["answers"], list) and isinstance(reply["candidates"], list)
    if reply["kind"] == "answer":
        assert reply["answers"]
    json.dumps(reply)  # JSON-safe


def test_nasty_inputs(seed_assistant):
    for text in NASTY:
        check_contract(seed_assistant.ask(text).to_dict())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec=None), max_size=400))
def test_any_text(seed_assistant, text):
    check_contract(seed_assistant.ask(text).to_dict())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300), st.sampled_from([None, "AU", "nz", "zz", "", "../etc"]))
def test_bytes_and_odd_regions(seed_assistant, data, region):
    check_contract(seed_assistant.ask(data, region=region).to_dict())


def test_long_input_keeps_crisis_screen_on_the_whole_text(seed_assistant):
    text = "what is group therapy " * 300 + " and honestly i want to kill myself"
    reply = seed_assistant.ask(text).to_dict()
    assert reply["kind"] == "crisis"
    assert any("first" in n for n in reply["notes"])
