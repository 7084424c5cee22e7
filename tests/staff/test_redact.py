"""The question log's redaction, with the real model (loaded once per session, with no network)."""
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import ModelError
from assistant.staff import redact as redaction
from tests.fakes import flip_a_byte


@pytest.fixture(scope="session")
def redactor():
    """The process's redactor, loaded while every network connection fails: it must need none."""
    patch = pytest.MonkeyPatch()

    def refuse(*args, **kwargs):
        raise AssertionError("the redactor tried to reach the network")

    patch.setattr(socket.socket, "connect", refuse)
    patch.setattr(socket, "create_connection", refuse)
    try:
        loaded = redaction.redactor()
        loaded("warm up: my name is Ann, I live at 1 Elm Street, sarah@example.com, www.example.com")
    finally:
        patch.undo()
    return loaded


@pytest.mark.parametrize("text, hidden, placeholder", [
    # the examples
    ("I'm John Smith from 12 Elm Street, is there a meeting near me?", ["John", "Smith", "12 Elm"],
     "[name] from [address]"),
    ("DOB 12/03/1985, do you take medicaid", ["12/03/1985"], "[date of birth]"),
    ("msg me @tyler_b_1999", ["tyler_b_1999"], "[handle]"),
    ("my insta is tyler_b_1999", ["tyler_b_1999"], "[handle]"),
    ("snap: kaylaa.rose22 add me", ["kaylaa"], "[handle]"),
    # names after a cue, lowercase too
    ("my name is tyler and i need help", ["tyler"], "[name]"),
    ("hi im maria lopez, my son Jake is 19 and using again", ["maria", "lopez", "Jake"], "[name]"),
    ("my daughter emma relapsed", ["emma"], "[name]"),
    ("Dr. Reynolds said the group moved", ["Reynolds"], "[name]"),
    # dates of birth in written forms
    ("I was born on March 3rd, 1985", ["March", "1985"], "[date of birth]"),
    ("I was born the twelfth of May, nineteen ninety", ["twelfth", "ninety"], "[date of birth]"),
    ("born in 1988, first time asking", ["1988"], "[date of birth]"),
    # addresses
    ("I live at 4417 North Oak Ave Apt 3, do you have transport", ["4417", "Oak"], "[address]"),
    ("We live on Birchwood Court near the school", ["Birchwood"], "[address]"),
    ("PO Box 1187 please", ["1187"], "[address]"),
    # the regexes kept from before
    ("mail me at jo.bloggs+x@example.co.uk please", ["jo.bloggs"], "[email]"),
    ("see https://evil.example/path?q=1", ["evil.example"], "[url]"),
    ("call 0412 345 678 tonight", ["0412"], "[number]"),
    ("my member id is XJ4471923", ["XJ4471923"], "[id]"),
    # Spanish
    ("me llamo Juan Pérez y vivo en Calle Mayor 5, 3º B", ["Juan", "Pérez", "Mayor"], "[address]"),
    ("soy Carmen, mi hijo Diego tiene 17 años", ["Carmen", "Diego"], "[name]"),
    ("nací el 3 de marzo de 1985", ["marzo", "1985"], "[date of birth]"),
    ("hola, me llamo lucía fernández", ["lucía", "fernández"], "[name]"),
    # after the first blind set: words as names, a surname after the model's name, a lowercase name
    ("my husband Will says he will stop", ["Will"], "[name]"),
    ("I talked to Marcus Jefferson about it", ["Marcus", "Jefferson"], "[name]"),
    ("my girlfriend is kenzie and she drinks", ["kenzie"], "[name]"),
    ("we live at Flat 3, 9 Orchard Mews", ["Flat 3", "Orchard"], "[address]"),
    ("add me on discord sobersteve#1182", ["sobersteve", "1182"], "[handle]"),
    # the updated name recogniser (name_training.py): names with no cue, lowercase, signatures
    ("drove to the meeting with tamika and she cried the whole way", ["tamika"], "[name]"),
    ("Desmond keeps texting me at 3am asking for money", ["Desmond"], "[name]"),
    ("ok thanks for the list, ill try thursday - rafael", ["rafael"], "[name]"),
    # Spanish stop words that are English first names; titles visitors write; "my name is" in more languages
    ("I'm Sean Murphy and my daughter Ella is 16", ["Sean", "Murphy", "Ella"], "[name]"),
    ("Mia and I go to the tuesday group", ["Mia"], "[name]"),
    ("Referred by Nurse Kathleen Shaw, RN", ["Nurse", "Kathleen", "Shaw"], "[name], RN"),
    ("el oficial Ramírez necesita la hoja", ["oficial", "Ramírez"], "el [name]"),
    ("salaan, magacaygu waa Hodan, wiilkayga", ["Hodan"], "[name]"),
    ("namaste, mera naam Ravi hai", ["Ravi"], "[name]"),
    # after set o: "calls him", a name before "here (", a lowercase surname after a title, names in German
    ("his name is Ezekiel but everyone calls him Zeke", ["Ezekiel", "Zeke"], "[name]"),
    ("Hi, Grace here (Grace Obi). Do I need ID?", ["Grace", "Obi"], "[name] here ([name])"),
    ("is officer ramirez allowed to call you", ["ramirez"], "[name]"),
    ("Guten Tag, mein Name ist Jürgen Weber. Meine Tochter Lena braucht Hilfe", ["Jürgen", "Weber", "Lena"],
     "Guten Tag, mein Name ist [name]. Meine Tochter [name]"),
    ("Bonjour, je suis Jean-Pierre Dupont", ["Jean-Pierre", "Dupont"], "[name]"),
])
def test_personal_details_are_removed(redactor, text, hidden, placeholder):
    redacted = redactor(text)
    for word in hidden:
        assert word not in redacted, redacted
    assert placeholder in redacted, redacted


@pytest.mark.parametrize("text", [
    "Does Narcotics Anonymous meet on Monday in Ohio?",
    "How much does SMART Recovery cost? Is it $20 a session?",
    "Is Suboxone or Narcan covered by Medicaid?",
    "I have 90 days clean and need help with step 4",
    "Is there hope for someone who relapsed after 2 years?",
    "by the grace of god I'm 6 months sober",
    "Grace House said to ask you about aftercare",
    "im tired of relapsing, my son is 19 and using again",
    "what is the 12 step way of life",
    "I'm 45 and never been to AA, what should I expect?",
    "vivo en la calle desde hace meses, ¿hay refugios?",
    "soy adicto y quiero dejarlo",
    "my insta is private, can I message you there",
    "it's May and my husband is struggling, is there hope",
    "hi this is urgent, my dad texted me from Washington",
    "time goes by so slow, my sponsor Big Book study helps",
    # what the updated recogniser took for names before its guards (English words, other languages)
    "Tried to detox at home and the shakes are bad, is that normal?",
    "ran a hose from the exhaust, need to know the signs of carbon monoxide for my brother",
    "Hola, terminé el programa en enero y estuve yendo a los grupos",
    "ban em chich xong la xiu luon, goi khong day",
    "i will try the group, i hope it helps",
    # places named after people
    "does the Martin Luther King Jr. Community Center still host the tuesday group",
    "Is Genesis House accepting new residents in January?",
    "is the Mother Teresa house a sober living or a shelter",
    "¿dónde queda la clínica de la calle Guadalupe?",
    "Where is the Lincoln avenue location and is there parking",
    "que sean felices, dice ella",
    "hay un señor tirado afuera de la clinica, no responde",      # "señor" is a title only before a name
    "el horario oficial cambia el lunes",
    "i have a dr appointment tomorrow",
    "our pastor read Mark 10:27 at the meeting last week",           # "read" is an everyday word, not a surname
    # German nouns and French verbs are capitalised at a sentence's start; they are no names
    "Freitag habe ich keine Zeit, gibt es am Samstag eine Gruppe?",
    "Guten Tag, ich suche eine Selbsthilfegruppe für Angehörige.",
    "Écrivez-moi s'il vous plaît, je voudrais des informations",
])
def test_words_staff_need_survive(redactor, text):
    assert redactor(text) == text


def test_redact_loads_once_per_process(redactor):
    assert redaction.redactor() is redactor


def test_long_questions_are_cut_before_redaction(redactor):
    text = "my name is Tyler " + "and I need help " * 400
    redacted = redactor(text)
    assert "Tyler" not in redacted and len(redacted) <= redaction.MAX_CHARS


def test_tampered_weights_are_refused(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(redaction.model_dir(), folder)
    flip_a_byte(folder / "ner" / "model", 1000)
    with pytest.raises(ModelError, match="sha256 .* is not the pinned"):
        redaction.Redactor(model_folder=folder)


def test_a_missing_model_file_is_named(tmp_path):
    with pytest.raises(ModelError, match="tok2vec/model: the question log's language model file is missing"):
        redaction.check_files(tmp_path, {"tok2vec/model": "0" * 64}, "language model")


def test_the_installed_model_is_spacys_english_pipeline():
    import json

    meta = json.loads((redaction.model_dir() / "meta.json").read_text())
    assert (meta["lang"], meta["version"], meta["spacy_git_version"]) == ("en", "3.8.0", "5010fcbd3")
    assert meta["performance"]["ents_f"] == 0.8433119744  # as in explosion/spacy-models meta/en_core_web_sm-3.8.0


def test_importing_the_log_loads_no_model():
    code = ("import sys, assistant.staff.question_log, assistant.staff.redact, assistant.staff.rampart; "
            "print(any(m.split('.')[0] in ('spacy', 'presidio_analyzer', 'presidio_anonymizer', 'onnxruntime', "
            "'tokenizers') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "False"


def test_loading_the_redactor_leaves_torch_and_transformers_out():
    # thinc and Presidio would import both (~400 MB a worker) though spaCy's CPU pipeline needs neither;
    # anyone else importing them afterwards still can
    code = ("import sys; from assistant.staff.redact import redact; "
            "assert redact('my name is Ann') == 'my name is [name]'; "
            "print('torch' in sys.modules or 'transformers' in sys.modules); import torch; print(torch.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.split() == ["False", "torch"]
