from assistant.staff.pii_words import NAMEABLE, NOT_A_NAME, PROTECTED, STAFF_TERMS


def test_the_words_staff_need_are_protected_and_lower_case():
    # the redaction matches lower-cased words: a capital letter here would silently never match
    for words in (PROTECTED, NAMEABLE, NOT_A_NAME):
        assert words and all(word == word.lower() for word in words)
    assert {"narcotics", "suboxone", "narcan", "monday", "ohio"} <= PROTECTED
    assert STAFF_TERMS <= PROTECTED


def test_names_that_are_also_words_can_be_names_after_a_cue():
    # "my daughter Hope", "my husband Will": capitalised after a relation word they are names
    assert {"hope", "grace", "will", "faith", "may"} <= NAMEABLE
