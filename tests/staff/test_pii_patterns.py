"""The finders on their own: no model, small name lists (fast)."""
import pytest

from assistant.staff.pii_patterns import (
    NameLists,
    finders,
    handles_after_platform,
    names_after_cues,
    names_before_here,
    names_in_lists,
    surname_end,
)
from assistant.staff.pii_words import NOT_A_NAME

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
    ("gracias Rocío por todo", ["Rocío"]),            # a capital after "gracias" with no comma
    ("merci beaucoup, bonne soirée", []),             # ...only a capital
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
    ("estoy en calle 10 # 20-30, Medellín", "calle 10 # 20-30, Medellín"),  # the town with it
    ("PO Box 1187, Dayton", "PO Box 1187, Dayton"),
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


# -- added after the first blind set (docs/privacy.md): each family on sentences not in that set --------
ENGLISH = frozenset("sober tired urgent hard text help catholic the wife son is using mom anyone new".split())
LISTS_EN = NameLists(first=LISTS.first | {"bill", "mark"}, last=LISTS.last | {"washington", "jefferson"},
                     stop=LISTS.stop, english=ENGLISH)


@pytest.mark.parametrize("text, names", [
    ("my sister May said she would come", ["May"]),            # a word, capitalised after a relation
    ("my partner Hope drinks", ["Hope"]),
    ("my husband Will, he", ["Will"]),
    ("her name is Esperanza", ["Esperanza"]),
    ("my name is hope and", ["hope"]),                         # any case after "my name is"
    ("this is Grace from group", ["Grace"]),
    ("my girlfriend is kenzie and", ["kenzie"]),               # lowercase, no English word
    ("hey its bill, can i", ["bill"]),                         # a greeting, then a census name
    ("hi this is deshawn, can i", ["deshawn"]),
    ("my friend goes by Lefty now", ["Lefty"]),
    ("my sponsor Big Mike says", ["Big Mike"]),
    ("talked to my son Jamal Washington", ["Jamal Washington"]),  # a surname that is also a state
    ("my son Isaac drinks", ["Isaac"]),                         # "Is" of "Isaac" is no "is"
    ("mi hija Esperanza tiene 16", ["Esperanza"]),
])
def test_names_that_are_also_words_after_a_cue(text, names):
    assert [text[a:b] for a, b in names_after_cues(text, LISTS_EN)] == names


@pytest.mark.parametrize("text", [
    "it's May and I am sober", "my wife is Catholic", "my son is using again", "hi this is urgent",
    "hi this is hard", "my dad texted me", "time goes by so slow", "a group called Hope House",
    "my sponsor Big Book study", "My children live far", "my mom is tryna help",
    "this is Grace Church's group", "my sponsor Hope House", "my mom is Puerto Rican", "my partner is nonbinary",
])
def test_words_after_cues_stay(text):
    assert names_after_cues(text, LISTS_EN) == []


def test_a_title_after_a_relation_is_no_name_but_cues_the_next():
    text = "my therapist Dr. Kim said"
    assert [text[a:b] for a, b in names_after_cues(text, LISTS_EN)] == ["Kim"]


def test_a_surname_follows_a_name_found_elsewhere():
    text = "the mom of Jamal Washington and Jake Monday"
    assert text[: surname_end(text, text.index(" Washington"), LISTS_EN)].endswith("Jamal Washington")
    assert surname_end(text, text.index(" Monday"), LISTS_EN) == text.index(" Monday")


@pytest.mark.parametrize("text, address", [
    ("mi hija vive en 45 Avenida del Sol, depto 8", "45 Avenida del Sol, depto 8"),   # number first, unit after
    ("vivimos en 310 Calle Robles apt 2, y", "310 Calle Robles apt 2"),
    ("moramos na Rua dos Andradas 1020 apto 5", "Rua dos Andradas 1020 apto 5"),       # Portuguese connectors
    ("nous habitons au 8 rue des Moulins", "8 rue des Moulins"),
    ("we live at Unit 4, 22 Wattle Parade, Ryde", "Unit 4, 22 Wattle Parade, Ryde"),        # unit first, AU suffix
    ("write to Flat 7, 3 Holly Mews please", "Flat 7, 3 Holly Mews"),
    ("i live at 3-1200 Granville Street", "3-1200 Granville Street"),                 # Canadian unit-civic
    ("im at 7-880 Robson, Vancouver", "7-880 Robson, Vancouver"),
    ("meet at 500 Broadway after", "500 Broadway"),
    ("my place is 5/22 Smith Street", "5/22 Smith Street"),                          # Australian unit/number
])
def test_street_addresses_in_more_forms(text, address):
    assert address in found(text, "STREET_ADDRESS")


@pytest.mark.parametrize("text", ["take them 10-15 Minutes apart", "from 9-12 Monday", "in 2 Calle? no",
                                  "we did 3 steps together"])
def test_not_addresses_in_more_forms(text):
    assert found(text, "STREET_ADDRESS") == []


@pytest.mark.parametrize("text, address", [
    ("send it to 41 Pine Rd, East Hartford, CT 06108 thanks", "41 Pine Rd, East Hartford, CT 06108"),
    ("elle habite 3 rue Victor Hugo, 75011 Paris depuis mars", "3 rue Victor Hugo, 75011 Paris"),
    ("vive en Calle Ocho 1450, Los Ángeles", "Calle Ocho 1450, Los Ángeles"),
    ("Kastanienweg 4, Köln ist die Adresse", "Kastanienweg 4, Köln"),
])
def test_the_town_after_a_street_goes_with_it(text, address):
    assert address in found(text, "STREET_ADDRESS")


@pytest.mark.parametrize("text, address", [
    ("I live at 12 Elm Street, Can you send the forms", "12 Elm Street"),   # a new sentence, not a town
    ("we are at 9 Oak Ave, Thursday works", "9 Oak Ave"),
    ("my home, 3 Juniper Way, not her office", "3 Juniper Way"),
])
def test_a_sentence_after_a_street_is_no_town(text, address):
    assert address in found(text, "STREET_ADDRESS")


def test_a_unit_needs_a_number_or_a_letter():
    assert found("my home, 3 Juniper Way, not her office", "STREET_ADDRESS") == ["3 Juniper Way"]
    assert found("the 5k recovery run on saturday", "STREET_ADDRESS") == []  # a race, not a house number


@pytest.mark.parametrize("text, handle", [
    ("add me on discord sobersteve#1182", "sobersteve#1182"),
    ("mine is night_owl#0420", "night_owl#0420"),
    ("a tiktok account called pillqueen.99 posts", "pillqueen.99"),
    ("my snap is down but my ig? it's jen.sober.22", "jen.sober.22"),
    ("if i give you my snapchat can you? its milesaway.jpg", "milesaway.jpg"),
    ("my twitch is sobergamer99", "sobergamer99"),
    ("my facebook is Jane Doe Recovery", "Jane Doe"),                              # a profile name, not "Recovery"
])
def test_handles_with_dots_and_tags(text, handle):
    assert handle in found(text, "SOCIAL_HANDLE")


def test_no_handle_after_a_platform_without_a_handle_shape():
    assert handles_after_platform("saw it on insta. its 10mg a day, is that ok? it's quiet") == []
    assert handles_after_platform("its jen.sober.22 on insta") == []  # the platform comes first


@pytest.mark.parametrize("text, names", [
    ("Tasha here, can I join", ["Tasha"]), ("hi, dre here. quick question", ["dre"]),
    ("new here, what do i do", []), ("Anyone here? need help", []), ("Mom here, my son relapsed", []),
    ("Help here please", []), ("is anyone here", []),
])
def test_a_name_then_here_opens_a_message(text, names):
    assert [text[a:b] for a, b in names_before_here(text, LISTS_EN)] == names



@pytest.mark.parametrize("text, phone", [
    ("call me back, its four one five, five five five, oh one nine two", "four one five, five five five, oh one nine two"),
    ("mi cel es tres tres uno, dos cero nueve ocho siete", "tres tres uno, dos cero nueve ocho siete"),
])
def test_phone_numbers_spelt_out(text, phone):
    assert phone in found(text, "PHONE")


def test_a_few_number_words_are_no_phone():
    assert found("one or two meetings a week, three or four on bad weeks", "PHONE") == []


@pytest.mark.parametrize("text, email", [
    ("reach me at kim.t at protonmail dot com", "kim.t at protonmail dot com"),
    ("escríbeme: lalo_88 arroba gmail punto com", "lalo_88 arroba gmail punto com"),
    ("sam (at) outlook (dot) org please", "sam (at) outlook (dot) org"),
])
def test_emails_written_out(text, email):
    assert email in found(text, "EMAIL")


def test_at_and_a_sentence_end_are_no_email():
    assert found("see you at noon. com on time pls", "EMAIL") == []
    assert found("we meet at the church on elm", "EMAIL") == []


@pytest.mark.parametrize("text, names", [
    ("there was a guy named will at the 7pm meeting", ["will"]),
    ("some lady called grace runs the friday one", ["grace"]),
    ("Добрый день, меня зовут Ирина Петрова", ["Ирина Петрова"]),
    ("мой сын Дмитрий пьёт каждый день", ["Дмитрий"]),
])
def test_names_after_person_nouns_and_in_cyrillic(text, names):
    assert found(text, "PERSON") == names


def test_an_arabic_name_after_its_cue_keeps_its_family_name():
    assert found("مرحبا، اسمي خديجة العلوي، زوجي يشرب", "PERSON") == ["خديجة العلوي"]


def test_an_email_written_out_without_its_ending():
    assert found("send it to jo dot price at gmail thanks", "EMAIL") == ["jo dot price at gmail"]


@pytest.mark.parametrize("text, names", [
    ("al vecino le dicen el Chapo", ["Chapo"]),           # a nickname after "le dicen", with its article
    ("Dzień dobry, mój syn Janek pije", ["Janek"]),       # a Polish relation
    ("my 16 yr old Kaylee is vaping", ["Kaylee"]),         # an age in place of the relation
])
def test_nicknames_polish_relations_and_ages_before_names(text, names):
    assert found(text, "PERSON") == names
