"""The finders on their own: no model, small name lists (fast)."""
import pytest

from assistant.staff.pii_patterns import NOT_A_NAME, NameLists, finders, names_after_cues, names_in_lists

LISTS = NameLists(first=frozenset({"tyler", "maria", "jake", "emma", "lucia", "destiny", "carmen", "will"}),
                  last=frozenset({"lopez", "fernandez"}), stop=NOT_A_NAME | {"i", "and"})


def found(text: str, entity: str) -> list[str]:
    return [text[start:end] for function in finders(LISTS)[entity] for start, end in function(text)]


@pytest.mark.parametrize("text, names", [
    ("my name is tyler and i need help", ["tyler"]),
    ("hi im maria lopez, my son Jake is 19", ["maria lopez", "Jake"]),
    ("hola, me llamo lucía fernández", ["lucía fernández"]),
    ("I'm Destiny, 24", ["Destiny"]),
    ("soy Ximena y tengo miedo", ["Ximena"]),
    ("Dr. Reynolds said so", ["Reynolds"]),
    ("thanks, Theresa", ["Theresa"]),
    ("im tired and my son is using", []),             # "tired" is no name, "is" follows "my son"
    ("im will from ohio", []),                        # a census name that is also a word needs a stronger cue
    ("my name is not important", []),
])
def test_names_after_cues(text, names):
    assert [text[a:b] for a, b in names_after_cues(text, LISTS)] == names


def test_census_names_inside_a_sentence_but_not_at_its_start_or_after_in():
    assert [t[a:b] for t in ["and Emma relapsed"] for a, b in names_in_lists(t, LISTS)] == ["Emma"]
    assert names_in_lists("Emma relapsed. Will it help?", LISTS) == []
    assert names_in_lists("we moved to Carmen last year", LISTS) == []


@pytest.mark.parametrize("text, address", [
    ("I'm John from 12 Elm Street, hi", "12 Elm Street"),
    ("I live at 4417 North Oak Ave Apt 3 and", "4417 North Oak Ave Apt 3"),
    ("we moved to 88 Riverside Drive, Columbus, OH 43215 - which", "88 Riverside Drive, Columbus, OH 43215"),
    ("We live on Birchwood Court near", "Birchwood Court"),
    ("vivo en Calle Mayor 5, 3º B, hola", "Calle Mayor 5, 3º B"),
    ("estoy en calle 10 # 20-30, Medellín", "calle 10 # 20-30"),
    ("PO Box 1187, Dayton", "PO Box 1187"),
])
def test_street_addresses(text, address):
    assert address in found(text, "STREET_ADDRESS")


@pytest.mark.parametrize("text", ["what is the 12 step way of life", "vivo en la calle desde hace meses",
                                  "my case number is CR-2291-7 from drug court", "I take 2 pills a day"])
def test_not_addresses(text):
    assert found(text, "STREET_ADDRESS") == []


@pytest.mark.parametrize("text, date", [
    ("DOB 12/03/1985 - do you", "12/03/1985"),
    ("I was born on March 3rd, 1985, am I", "March 3rd, 1985"),
    ("born in 1988, 35 years old", "1988"),
    ("nací el 3 de marzo de 1985", "3 de marzo de 1985"),
    ("my bday is june 4", "june 4"),
])
def test_dates_of_birth(text, date):
    assert date in found(text, "DATE_OF_BIRTH")


def test_ages_and_durations_are_no_dates():
    for text in ["I'm 45 and born again", "90 days clean since Monday", "my son is 19"]:
        assert found(text, "DATE_OF_BIRTH") == found(text, "FULL_DATE") == []


@pytest.mark.parametrize("text, handle", [
    ("msg me @tyler_b_1999", "@tyler_b_1999"),
    ("my insta is tylerb99", "tylerb99"),
    ("snap: xkitty", "xkitty"),
    ("mi instagram es rosa.sobria", "rosa.sobria"),
    ("reddit u/quietrecovery88", "u/quietrecovery88"),
])
def test_handles(text, handle):
    assert handle in found(text, "SOCIAL_HANDLE")


def test_no_handle_in_ordinary_words_or_emails():
    assert found("my insta is private", "SOCIAL_HANDLE") == []
    assert found("write to jo@example.com", "SOCIAL_HANDLE") == []


def test_ids_but_not_doses_or_times():
    assert found("my member id is XJ4471923", "OTHER_ID") == ["XJ4471923", "XJ4471923"]
    assert found("I take 300mg at 10pm, step 4, covid19", "OTHER_ID") == []


def test_handle_as_a_word_and_gerunds_after_me_llamo_are_kept():
    assert found("can a group help me handle adversity", "SOCIAL_HANDLE") == []
    assert found("a guy on snap they look off", "SOCIAL_HANDLE") == []
    assert found("my handle is sober_sam", "SOCIAL_HANDLE") == ["sober_sam", "sober_sam"]
    assert found("mi mama me llamo diciendo que no puede respirar", "PERSON") == []
