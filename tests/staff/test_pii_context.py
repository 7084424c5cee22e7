"""Names told by their context (assistant/staff/pii_context.py): no model, small name lists (fast)."""
import pytest

from assistant.staff.pii_context import finders, joined_names, named_place, names_by_what_they_do, with_title
from assistant.staff.pii_patterns import NameLists
from assistant.staff.pii_words import NOT_A_NAME

LISTS = NameLists(first=frozenset({"tyler", "maria", "jake", "emma", "lucia", "destiny", "carmen", "will"}),
                  last=frozenset({"lopez", "fernandez"}), stop=NOT_A_NAME | {"i", "and"})

WORDS = NameLists(first=LISTS.first | {"chase", "nurse", "miss", "winter"}, last=LISTS.last, stop=LISTS.stop,
                  english=frozenset({"will", "chase", "nurse", "miss", "winter", "hope", "grace", "mercy"}))


@pytest.mark.parametrize("text, names", [
    ("Chase relapsed after six months", ["Chase"]),           # the modal or verb never takes a past tense
    ("Mercy and her husband both want to come", ["Mercy"]),
    ("Grace is my sponsor and she moved away", ["Grace"]),
    ("Hope, my roommate, keeps using", ["Hope"]),
    ("Will and I are separated now", ["Will"]),
    ("so me and grace went on thursday", ["grace"]),
    ("hope left the program last week", ["hope"]),            # lowercase: only the virtues' names
    ("Will the group meet on Monday?", []),
    ("will my son have to go every week", []),                # "Will my" is the modal
    ("the intake nurse said it was fine", []),                # a lowercase English word that the census lists
    ("i miss my mom", []),
    ("June went by so fast", []),                             # months and days never
    ("talks about hope and i nod along", []),                 # "and I" only after a capital
    ("Hope is my only option now", []),                       # "is my" + a relation only
    ("the will to change came back", []),
    ("ask joy if the group is on", ["joy"]),
    ("patience, my sister, keeps enabling him", ["patience"]),
    ("patience my friend is what it takes", []),              # lowercase: only between commas
    ("call will about it", []),
])
def test_names_told_by_what_the_person_does(text, names):
    assert [text[a:b] for a, b in names_by_what_they_do(text, WORDS)] == names


@pytest.mark.parametrize("text, start, begins", [
    ("thanks to Pastor Ruth", 17, 10),        # the title goes with the name
    ("ask Coach Dee", 10, 4),
    ("dr. Amin was kind", 4, 0),
    ("my sister Ana is here", 10, 10),        # a relation after "my" is kept: "my sister [name]"
    ("i miss Jake", 7, 7),                    # "miss" in lowercase is the verb
    ("Big Mike said hi", 4, 0),
    ("habla con don Chuy", 14, 10),
])
def test_a_title_or_nickname_word_is_redacted_with_the_name(text, start, begins):
    assert with_title(text, start) == begins


def _titled(text: str, name: str) -> str:
    start = text.index(name)
    return text[with_title(text, start):start + len(name)]


@pytest.mark.parametrize("text, name, titled", [
    ("el padre Anselmo dice misa", "Anselmo", "padre Anselmo"),       # lowercase titles that are no everyday word
    ("ask pastor dee-dee kim about it", "dee-dee kim", "pastor dee-dee kim"),
    ("please call Rev. Dr. Amara Obi", "Amara Obi", "Rev. Dr. Amara Obi"),  # a run of titles goes whole
    ("Aunty Mele said to write", "Mele", "Aunty Mele"),
    ("mi padre Anselmo bebe", "Anselmo", "Anselmo"),                   # a relation after "mi" stays
])
def test_titles_go_with_the_name(text, name, titled):
    assert _titled(text, name) == titled


def _joined(text: str, *names: str) -> list[str]:
    spans = [(text.index(n), text.index(n) + len(n)) for n in names]
    return [text[start:end] for start, end in joined_names(text, spans, LISTS)]


@pytest.mark.parametrize("text, names, joined", [
    # a particle between two names found: one name, nothing of it left behind
    ("soy Lucia de las Nieves Fernandez de la Vega", ["Lucia", "Fernandez"],
     ["Lucia de las Nieves Fernandez de la Vega"]),
    ("Lucia del Valle Fernandez llamó", ["Lucia"], ["Lucia del Valle Fernandez"]),
    ("hablé con Carmen de la Fernandez", ["Carmen", "Fernandez"], ["Carmen de la Fernandez"]),
    # beside a found name by "and": a capitalised word that may be a name, or a census name in lowercase
    ("thanks to Dusty and Tyler for the ride", ["Tyler"], ["Dusty", "Tyler"]),
    ("Tyler y Xochitl vienen el martes", ["Tyler"], ["Tyler", "Xochitl"]),
    ("tyler and emma and jake said hi", ["tyler", "jake"], ["tyler", "emma", "jake"]),
    # not a function, staff or calendar word, and not an ordinary lowercase word
    ("Tyler and I went", ["Tyler"], ["Tyler"]),
    ("Tyler and Monday group", ["Tyler"], ["Tyler"]),
    ("tyler and friends came", ["tyler"], ["tyler"]),
])
def test_names_joined_by_particles_and_and(text, names, joined):
    assert _joined(text, *names) == joined


@pytest.mark.parametrize("text, names, joined", [
    ("Records for van der Merwe, please", ["Merwe"], ["van der Merwe"]),   # a particle before the name
    ("Emma, Tyler and me started together", ["Tyler"], ["Emma", "Tyler"]),  # a list with a comma
    ("Emma, Tyler is here", ["Tyler"], ["Tyler"]),                       # a comma alone is no list
    ("the church of St Tyler on main", ["Tyler"], []),                   # a saint's name is a place
])
def test_particles_before_lists_with_commas_and_saints(text, names, joined):
    assert _joined(text, *names) == joined


@pytest.mark.parametrize("text, name, titled", [
    ("my PO is officer Diaz", "Diaz", "officer Diaz"),
    ("big tony and coach rae came", "tony", "big tony"),
])
def test_lowercase_titles_and_nickname_words(text, name, titled):
    assert _titled(text, name) == titled


@pytest.mark.parametrize("text, name, titled", [
    ("la licenciada Patricia Olvera me dijo", "Patricia Olvera", "licenciada Patricia Olvera"),
    ("Nurse Kathleen called", "Kathleen", "Nurse Kathleen"),
    ("the intake nurse Kathy said", "Kathy", "Kathy"),                 # "nurse" in lowercase is a word
    ("la señora Martínez llamó", "Martínez", "señora Martínez"),
])
def test_more_titles(text, name, titled):
    assert _titled(text, name) == titled


@pytest.mark.parametrize("text, name, place", [
    ("does the Martin Luther King Jr. Community Center host it", "Martin Luther King", True),
    ("Is Genesis House taking residents", "Genesis House", True),        # the place word inside what was found
    ("the Jordan clinic on 5th", "Jordan", True),
    ("la clínica de la calle Guadalupe", "Guadalupe", True),
    ("go down Lincoln avenue", "Lincoln", True),
    ("my sponsor Joseph Place said hi", "Joseph Place", False),          # a relation before: a person
    ("my therapist june park said", "june park", False),                 # Park and Hall are surnames
    ("Jordan came with me to the clinic", "Jordan", False),
    ("is the Lincoln Park community center open", "Lincoln Park", True),  # a kind of centre between
    ("closed on Cesar Chavez Day?", "Cesar Chavez Day", True),          # holidays named after people
    ("closed on Cesar Chavez Day?", "Cesar Chavez", True),
    ("¿abren el Día de los Reyes Magos?", "Reyes Magos", True),
    ("pendant les vacances de Noël", "Noël", True),
    ("the Santa Rosa and San Marcos groups", "Santa Rosa", True),       # saints' names of places
    ("Noel said the Day group was full", "Noel", False),
    ("can Maria's weekend shift be covered", "Maria", False),           # a person's weekend, a person's day
    ("jake's day was rough", "jake", False),
])
def test_places_named_after_people(text, name, place):
    start = text.index(name)
    assert named_place(text, start, start + len(name)) is place


@pytest.mark.parametrize("text, names, joined", [
    ("call Hope Fernandez about the van", ["Fernandez"], ["Hope Fernandez"]),   # a first name that is a word
    ("ask Emma Lopez", ["Lopez"], ["Emma Lopez"]),
    ("see you Monday Lopez", ["Lopez"], ["Lopez"]),                             # never a calendar word
    ("the Lady of Lopez parish", ["Lopez"], []),                                # "Our Lady of …" is a church
])
def test_a_first_name_before_a_found_name(text, names, joined):
    assert _joined(text, *names) == joined


def found(text: str, entity: str) -> list[str]:
    return [text[start:end] for function in finders(LISTS)[entity] for start, end in function(text)]


@pytest.mark.parametrize("text, names", [
    ("our client, R.J., finished the program", ["R.J."]),          # initials for a name
    ("hey its D. W. from tuesday", ["D. W."]),
    ("we go to A.A. and N.A. in the U.S.", []),                   # abbreviations visitors use
    ("see you at group thursday - emma", ["emma"]),               # a name signing off
    ("thanks for the info —Marisol Fernandez", ["Marisol Fernandez"]),
    ("cant make it tonight - sorry", []),                          # a word, not a name
    ("what time does it start - nvm found it", []),
    ("Hope here. is there group today", ["Hope"]),                 # a virtue's name opening a message
    ("Sou a Graça e moro perto", ["Graça"]),                       # the cue with an article
    ("everyone calls me Bishop", ["Bishop"]),
    ("my mom calls me every day", []),
    ("Necesito la constancia. Atentamente, F. Salgado", ["F. Salgado"]),  # an initial and a surname signing off
    ("Regards, J. R. Okafor", ["J. R. Okafor"]),
    ("Best, the intake team", []),
])
def test_initials_signatures_and_more_cues(text, names):
    assert sorted(found(text, "PERSON")) == sorted(names)
