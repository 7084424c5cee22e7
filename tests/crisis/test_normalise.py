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


@pytest.mark.parametrize("text, expected", [
    ("👍", "thumbs up"),
    ("🔫😔 bye", "gun pensive face bye"),           # the screen's word for it, not "water pistol"
    ("💊💊🍷", "pills pills wine glass"),
    ("ok 👍🏽", "ok thumbs up medium skin tone"),
    ("🇺🇸 hi", "United States hi"),                  # a flag's name in plain words too
    ("plain ascii stays as it is", "plain ascii stays as it is"),
    ("ya no puedo más", "ya no puedo más"),          # letters are no emoji
])
def test_emoji_become_their_names_for_the_classifiers_encoders(text, expected):
    from assistant.crisis.normalise import emoji_as_words

    assert emoji_as_words(text) == expected
