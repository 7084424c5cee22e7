"""Chat shorthand read as the words meant, and nothing else touched."""
import pytest

from assistant.shorthand import written_out


@pytest.mark.parametrize("typed, meant", [
    ("wat is grp therapy 4 ppl on drugs", "what is group therapy for people on drugs"),
    ("how do u have 2 go to aftercare", "how do you have to go to aftercare"),
    ("Y do support groups help, is it just bc ur around ppl who get it?",
     "Why do support groups help, is it just because your around people who get it?"),
    ("does sharin my story keep me goin", "does sharing my story keep me going"),  # a dropped final g
    ("Idk what group is for", "I do not know what group is for"),
    ("U", "You"),
])
def test_shorthand_is_written_out(typed, meant):
    assert written_out(typed) == meant


@pytest.mark.parametrize("text", [
    "I go 2 times a week",          # a count stays a count
    "is 4 weeks enough",
    "Group for 2?",                 # a number at the end is not a word between words
    "U.S. programs",                # letters inside an abbreviation
    "y'all ok?",
    "w/o meds",
    "aftercare groups in BC",       # an acronym, not "bc"
    "a bout of cravings",           # a real word
    "begin again with my cousin",   # words ending in "in" that are words already
    "what is group therapy",
    "",
])
def test_other_text_is_left_alone(text):
    assert written_out(text) == text
