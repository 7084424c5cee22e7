"""Names told by their context: what follows a word that may be a name ("Will relapsed", "me and grace
went"), and a title or nickname word that goes with a found name ("Pastor Ruth", "Big Mike").

Tuned on PII sets h and i after their first contact (docs/privacy.md); the finders of pii_patterns.py,
plus these, are what redact.py wraps as Presidio recognizers.
"""
from __future__ import annotations

import re

from .pii_patterns import CAPITALISED, NameLists, plain
from .pii_patterns import finders as pattern_finders
from .pii_scripts import arabic_names, chinese_names
from .pii_words import CALENDAR, INSTITUTIONS, NAMEABLE, VIRTUES

# What only a person does, right after a word that may be a name: "Will relapsed" (the modal "Will" is
# followed by a subject: "Will the group..."), "joy left the program", "Patience is my sponsor".
_RELATIONS = (r"son|daughter|kid|child|husband|wife|partner|boyfriend|girlfriend|fianc[eé]e?|ex|brother|sister|mom|mum"
              r"|mother|dad|father|friend|best\s+friend|cousin|nephew|niece|uncle|aunt|grandson|granddaughter|sponsor"
              r"|sponsee|counselou?r|therapist|roommate|housemate|neighbou?r|coworker|stepson|stepdaughter")
_PERSON_VERB = (r"(?:relapsed|relapses|left|quit|went|goes|said|says|told|tells|texted|texts|called|calls|keeps|kept"
                r"|started|stopped|moved|lives|lived|wants|wanted|needs|needed|asked|came|comes|drinks|drank|uses"
                r"|used|got|gets|is\s+using|was\s+using|is\s+drinking|just\s+\w+ed\b"
                r"|(?:is|was)\s+my\s+(?:" + _RELATIONS + r")|and\s+(?:her|his|their)\s+(?:" + _RELATIONS + r"))\b")
_NAME_WORD = r"(?P<name>[^\W\d_][\w'’-]*)"
_WORD_BEFORE = r"(?<![\w'’@/.-])" + _NAME_WORD
_DOES = re.compile(_WORD_BEFORE + r"(?=,?\s+" + _PERSON_VERB + r")", re.IGNORECASE)
_AND_I = re.compile(_WORD_BEFORE + r"(?=\s+and\s+(?:i|me)\b)", re.IGNORECASE)                   # "Will and I"
_APPOSITIVE = re.compile(_WORD_BEFORE + r"(?=,?\s+my\s+(?:" + _RELATIONS + r")\b)", re.IGNORECASE)  # "Mercy my housemate"
_ASKED = re.compile(r"\b(?:ask|tell|told|text|texted|call|called)\s+" + _NAME_WORD + r"\b", re.IGNORECASE)  # "ask grace if"
_WITH_ME = re.compile(r"\b(?:me|i|him|her)\s+and\s+" + _NAME_WORD + r"\b", re.IGNORECASE)  # "me and grace went"
_NOT_BEFORE_A_NAME = re.compile(r"\b(?:the|a|an|my|your|his|her|our|their|this|that|no|some|any|of|to|for|with)\s+$",
                                re.IGNORECASE)


def names_by_what_they_do(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """A word that may be a name, told one by what follows it ("Will relapsed", "Faith and her boyfriend",
    "Patience is my sponsor", "Mercy my housemate", "Will and I"), by "me and ___" ("me and grace went") or
    by "ask / tell ___" ("ask grace if...").
    Only words the lists know as names; an English word in lowercase only when it is one of VIRTUES
    ("joy left the program", not "the intake nurse said"); "Will and I" and "Mercy my housemate" only
    capitalised, and not an English word after all but VIRTUES there ("Will my son...", "Miss my mum");
    months and days never ("June went by fast")."""
    found = []
    for pattern in (_DOES, _AND_I, _APPOSITIVE, _WITH_ME, _ASKED):
        for match in pattern.finditer(text):
            word = match.group("name")
            low, capital = plain(word), bool(CAPITALISED.match(word))
            if low in CALENDAR or _NOT_BEFORE_A_NAME.search(text[: match.start("name")]):
                continue
            if low in lists.stop and low not in NAMEABLE:
                continue  # "it", "she", "he" and other words the census also lists
            english = low in lists.english and low not in VIRTUES
            if pattern is _APPOSITIVE:  # lowercase only a virtue between commas: "patience, my sister, ..."
                ok = ((capital and (low in VIRTUES or (low in lists.first and not english)))
                      or (low in VIRTUES and text.startswith(",", match.end("name"))))
            elif pattern is _AND_I:
                ok = capital and (low in VIRTUES or low in lists.first)
            elif pattern is _ASKED:  # "ask grace", "told kayla"; not "call will" nor "tell mark"
                ok = low in VIRTUES or (lists.first_name(word) and not english)
            elif capital:
                ok = low in VIRTUES or low in lists.first
            else:
                ok = low in VIRTUES or (lists.first_name(word) and not english)
            if ok:
                found.append(match.span("name"))
    return sorted(set(found))  # "me and grace went" is found twice


# A title or a nickname's first word right before a name found otherwise: redacted with it ("Pastor [name]"
# keeps nothing, "[name]" does). Abbreviations and "don" in any case ("mrs okonkwo"); the words capitalised
# only ("Miss Ana", not "i miss Jake"). Not "my sister [name]": a relation after "my" stays.
# Titles that are no everyday word ("pastor", "padre", "doctora", "licenciada") go in any case ("el padre Tomás",
# "pastor jun-ho kim", "el oficial Ramírez"); "Nurse", "Agent" capitalised only; a run of titles goes whole ("Rev. Dr. …").
TITLE_BEFORE = re.compile(r"(?:\b(?i:dr|dra|mr|mrs|ms|mx|sr|sra|srta|fr|rev|sgt|prof|lic|don|doña|pastor|pastora|padre"
                          r"|doctora|reverend|deacon|aunty|auntie|profe|officer|coach|deputy|detective|judge|big|lil"
                          r"|little|licenciad[oa]|oficial|enfermer[oa]|abogad[oa]|agente|se[nñ]or|se[nñ]ora|se[nñ]orita"
                          r"|monsieur|madame|mademoiselle|mme|mlle|sheriff|sergeant|trooper)\.?|\b(?:Sister|Brother"
                          r"|Father|Mother|Miss|Elder|Doctor|Madre|Hermana|Hermano|Tía|Tío|Tia|Tio|Aunt|Uncle|Ate|Kuya"
                          r"|Young|Old|Nurse|Agent|Captain|Counselor|Counsellor|Principal|Coach)\b)\s+$")
_OWNED = re.compile(r"\b(?:my|his|her|our|your|their|mi|su|tu|nuestr[oa])\s+$", re.IGNORECASE)


def with_title(text: str, start: int) -> int:
    """Where a name found at `start` begins once a title or nickname word before it is counted in."""
    for _ in range(3):  # "Rev. Dr. Cornelius …": each title before the last one taken
        title = TITLE_BEFORE.search(text[:start])
        if not title or _OWNED.search(text[: title.start()]):
            break
        start = title.start()
    return start


# Joined names. A particle between two names found makes one name ("María del Carmen [name] de la Fuente":
# "del" and "de la" left behind say who it is); a word put beside a found name by "and" / "y" / "&" is a
# name too when it could be one ("Skip and [name]", "[name] and mia"): capitalised and no function, staff or
# calendar word, or a census first name in lowercase.
_PARTICLE = re.compile(r"\s+(?:(?i:de|del|de\s+la|de\s+las|de\s+los|da|das|do|dos|di|du|van|van\s+der|van\s+den|von"
                       r"|bin|binti|ibn|al|el)\s+)?")
_PARTICLE_TAIL = re.compile(r"\s+(?i:de|del|de\s+la|de\s+las|de\s+los|da|das|do|dos|van|van\s+der|van\s+den|von|bin"
                            r"|binti|ibn)\s+(?P<name>" + CAPITALISED.pattern + r"[\w'’-]*(?:\s+" + CAPITALISED.pattern
                            + r"[\w'’-]*)?)")
_PARTICLE_BEFORE = re.compile(r"(?:^|[\s,(])(?P<particle>(?i:van\s+der|van\s+den|van\s+de|van|von|ten|ter|bin|binti"
                              r"|ibn)\s+)$")
# A saint's name is a church, a school or a town ("St James", "San Bernardino", "Santa Ana"), never a visitor.
_SAINT = r"(?i:st\.?|saint|san|santa|santo|são|sao|sainte|ste\.?)"  # "St. Mary's", "San Marcos", "Santa Rosa"
_SAINT_BEFORE = re.compile(r"\b(?:" + _SAINT + r"|(?i:lady\s+of))\s+$")
_FIRST_BEFORE = re.compile(r"(?<![\w'’@/.-])(?P<name>[^\W\d_][\w'’-]*)\s+$")


def _first_name_before(word: str, lists: NameLists) -> bool:
    """A capitalised first name right before a name found ("Joy [Abernathy]", "Will [Stanton]"), even one that
    is also a word; never a function, staff or calendar word ("Dear", "Monday")."""
    low = word.lower()
    if not CAPITALISED.match(word) or low in CALENDAR or low in INSTITUTIONS:
        return False
    return low in NAMEABLE or (lists.first_name(word) and not lists.function_word(word))


_BEFORE_COMMA = re.compile(r"(?<![\w'’@/.-])(?P<name>[^\W\d_][\w'’-]*),\s*$")
_AND_AFTER = re.compile(r"\s*,?\s*(?:\band\b|\by\b|&)", re.IGNORECASE)
_AND = r"\s*(?:,\s*)?(?:\band\b|\by\b|\be\b|&)\s*"
_BEFORE_AND = re.compile(r"(?<![\w'’@/.-])(?P<name>[^\W\d_][\w'’-]*)" + _AND + r"$", re.IGNORECASE)
_AFTER_AND = re.compile(_AND + r"(?P<name>[^\W\d_][\w'’-]*)(?![\w'’@-])", re.IGNORECASE)


def _joinable(word: str, lists: NameLists) -> bool:
    low = word.lower()
    if lists.function_word(word) or low in CALENDAR or low in INSTITUTIONS:
        return False
    if CAPITALISED.match(word):
        return not lists.is_plain_word(word) or low in NAMEABLE
    return lists.first_name(word)


def joined_names(text: str, spans: list[tuple[int, int]], lists: NameLists) -> list[tuple[int, int]]:
    """Names found, with the particles between them and the names put beside them by "and"."""
    spans = sorted(spans)
    changed = True
    while changed:
        changed = False
        grown = set(spans)
        for start, end in spans:
            before = _BEFORE_AND.search(text[:start])
            if before and _joinable(before.group("name"), lists) and not _NOT_AT_START.search(text[:before.start()]):
                grown.add(before.span("name"))
            after = _AFTER_AND.match(text, end)
            if after and _joinable(after.group("name"), lists):
                grown.add(after.span("name"))
            before = _BEFORE_COMMA.search(text[:start])  # "Joy, [name] and me"
            if before and _AND_AFTER.match(text, end) and _joinable(before.group("name"), lists):
                grown.add(before.span("name"))
            first = _FIRST_BEFORE.search(text[:start])  # "Joy [name]": a first name that is also a word
            if first and CAPITALISED.match(text, start) and _first_name_before(first.group("name"), lists):
                grown.add((first.start("name"), end))
            particle = _PARTICLE_BEFORE.search(text[:start])  # "van der [name]"
            if particle and CAPITALISED.match(text, start):
                grown.add((particle.start("particle"), end))
            tail = _PARTICLE_TAIL.match(text, end)  # "Inés [del Socorro Vargas]"
            if tail and all(_joinable(word, lists) for word in tail.group("name").split()):
                grown.add((start, tail.end("name")))
        if grown != set(spans):
            spans, changed = sorted(grown), True
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and (start <= merged[-1][1] or _PARTICLE.fullmatch(text, merged[-1][1], start)):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged if not _SAINT_BEFORE.search(text[:start])]


# A name followed by what a place is ("Genesis House", "the Martin Luther King Jr. Community Center", "Joseph
# Place", "Lincoln avenue"), or after a street word ("calle Guadalupe"), or "the [name] clinic": a place named
# after someone, never a visitor. Not "Park" or "Hall" or "Lane": common surnames ("june park").
_PLACE_AFTER = re.compile(
    r"(?:\s+(?:Jr|Sr)\.?)?(?:['’]s)?\s+(?:(?:Community|Recovery|Memorial|Medical|Treatment|Wellness|Health|Family"
    r"|Youth|Counseling|Counselling)\s+)?(?:House|Center|Centre|Clinic|Hospital|Place|Street|St\.|Avenue|Ave|Road|Rd"
    r"|Boulevard|Blvd|Valley|Manor|Lodge|Chapel|Church|Foundation|Institute|Academy|School|Program|Programme|Ranch"
    r"|Village|Square|Plaza|Library|Parish|Cathedral|University|College|Elementary|Heights|Springs|Drive|Terrace"
    r"|Apartments|Homes|Shelter)\b|\s+(?i:street|avenue|ave|road|boulevard|blvd)\b")
_THE_PLACE_AFTER = re.compile(r"\s+(?:(?:community|recovery|wellness|health|family|youth|treatment)\s+)?(?:house|clinic"
                              r"|center|centre|program|programme|shelter|hospital|location|campus|facility|foundation)\b",
                              re.IGNORECASE)  # "the Lincoln Park community center"
# Holidays named after people: "Martin Luther King Day", "St. Patrick's Day", "Día de los Reyes Magos",
# "les vacances de Noël"; and saints' names of places and groups: "the Santa Rosa group", "San Marcos".
# Capitalised only: "Maria's weekend shift" and "jake's day" keep their names.
_HOLIDAY_AFTER = re.compile(r"(?:\s+(?:Jr|Sr)\.?)?(?:['’]s)?\s+(?:Day|Eve)\b")
_HOLIDAY_BEFORE = re.compile(r"\b(?i:d[ií]a\s+de(?:\s+(?:los|las|la|el|san|santa|santo))?|dia\s+d[eo]s?|vacances\s+de"
                             r"|f[êe]te\s+de(?:\s+la)?|nuit\s+de)\s+$")
_SAINT_START = re.compile(_SAINT + r"\s+(?-i:[A-ZÁÉÍÓÚÑ])")
_THE_BEFORE = re.compile(r"\b(?i:the)\s+$")
_PERSON_BEFORE = re.compile(r"\b(?:(?:my|his|her|our|their|mi|su)\s+[^\W\d_]+|i['’]?m|i\s+am|named|called|this\s+is"
                            r"|me\s+llamo|soy)\s*,?\s*$", re.IGNORECASE)  # "my sponsor Joseph Place" is a person
_STREET_BEFORE = re.compile(r"\b(?i:calle|avenida|avda\.?|av\.|rua|rue|ulica|ul\.)\s+$")


def named_place(text: str, start: int, end: int) -> bool:
    """Whether the name found at text[start:end] names a place or a programme, not a person (the place word
    may be inside what was found: "Genesis House")."""
    if _PERSON_BEFORE.search(text[:start]):
        return False
    inside = max(text.rfind(" ", start, end), text.rfind("\t", start, end))
    place = (_PLACE_AFTER.match(text, inside) or _HOLIDAY_AFTER.match(text, inside)) if inside > start else None
    return bool(place and place.end() >= end or _PLACE_AFTER.match(text, end) or _STREET_BEFORE.search(text[:start])
                or (_THE_BEFORE.search(text[:start]) and _THE_PLACE_AFTER.match(text, end))
                or _HOLIDAY_AFTER.match(text, end) or _HOLIDAY_BEFORE.search(text[:start])
                or _SAINT_START.match(text, start))


# "Will and [name] …" at a message's start is a name; "Is Will and …" a question (the word after "is" is taken
# for a name only by the other finders).
_NOT_AT_START = re.compile(r"\b(?:is|are|does|do|can|will|should|would|could)\s+$", re.IGNORECASE)


# Initials for a name ("K.M.", "T. J."), not the dotted abbreviations visitors use ("A.A.", "U.S.", "P.O.").
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]\.\s?){1,2}[A-Z]\.(?![\w])")
_ABBREVIATIONS = frozenset("""aa na ca ga ma oa sa da cma usa us uk eu un dc la ny nyc po er ed iv od tv am pm id md rn np
    ba bs ms phd jr sr ps pc dui dwi cbt dbt iop php mat aka rip asap bc ok nj nc sc nd sd wv va mt ct""".split())


def initials(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _INITIALS.finditer(text)
            if re.sub(r"[\s.]", "", m.group()).lower() not in _ABBREVIATIONS]


# A name signing off a message: "… - jess", "see u tues —Marcus Bell", "~ kat".
_SIGNATURE = re.compile(r"(?:^|[\s.!?,])[-–—~]+\s*(?P<name>[^\W\d_][\w'’-]*)(?P<more>\s+[^\W\d_][\w'’-]*)?\s*[.!]?\s*$")


def signatures(text: str, lists: NameLists) -> list[tuple[int, int]]:
    match = _SIGNATURE.search(text)
    if not match:
        return []
    word = match.group("name")
    if lists.function_word(word) or lists.is_plain_word(word):
        return []
    if not (CAPITALISED.match(word) or lists.first_name(word) or lists.unknown_word(word)):
        return []
    more = match.group("more")
    if more and (lists.surname_after_name(more.strip()) or (not CAPITALISED.match(word) and lists.surname(more.strip()))):
        return [(match.start("name"), match.end("more"))]
    return [match.span("name")]


# An initial and a surname after a sign-off: "Atentamente, F. Salgado", "Regards, J. Okafor".
_SIGNED_INITIAL = re.compile(r"\b(?i:atentamente|atte|cordialmente|saludos|regards|sincerely|respectfully|best|thanks"
                             r"|thank\s+you|gracias|cordialement|obrigad[oa]|mit\s+freundlichen\s+gr(?:ü|ue)(?:ß|ss)en)"
                             r"[,.!:]*\s+(?P<name>[A-Z]\.\s?(?:[A-Z]\.\s?)?[A-Z][^\W\d_][\w'’-]*)")


def signed_initials(text: str) -> list[tuple[int, int]]:
    return [m.span("name") for m in _SIGNED_INITIAL.finditer(text)]


def finders(lists: NameLists) -> dict[str, list]:
    """pii_patterns.finders, with the names told by what the person does."""
    found = pattern_finders(lists)
    found["PERSON"] = [*found["PERSON"], lambda t: names_by_what_they_do(t, lists), initials,
                       lambda t: signatures(t, lists), signed_initials, chinese_names, arabic_names]
    return found
