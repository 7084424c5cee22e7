"""The crisis screen: floors on our labelled sets, the lexicon without the model, fail-safe behaviour."""
from __future__ import annotations

import pytest

from assistant.crisis.normalise import normalise


@pytest.mark.parametrize("text, expected", [
    ("I want to K1LL myself", "i want to kill myself"),
    ("he's OD'ing", "hes oding"),
    ("k i l l myself", "kill myself"),
    ("i wanna diiieee", "i wanna die"),
    ("sucidal and overdosing", "suicidal and overdosing"),
    ("took 💊💊", "took pills pills"),
    ("ｋｉｌｌ ｍｙｓｅｌｆ", "kill myself"),
    ("kіll myself", "kill myself"),                 # Cyrillic і
    ("su\u200bici\u200dde", "suicide"),               # zero-width characters
    ("0verdose at 3am, 800mg, 12 steps", "overdose at 3am, 800mg, 12 steps"),
    ("he overdoes it at the gym", "he overdoes it at the gym"),
])
def test_normalise_undoes_disguises(text, expected):
    assert normalise(text) == expected
