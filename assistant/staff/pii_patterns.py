"""What personal details look like in visitors' questions: word lists, patterns and the finders
(plain functions text -> [(start, end)]) that redact.py wraps as Presidio recognizers.

English and Spanish first (the cues, addresses and dates visitors write), with a few French,
Portuguese and German forms. Each finder is tuned on benchmarks/data/pii_dev.yaml and the first blind set,
knowledge/eval/blind/2026-12-01-pii.yaml (docs/privacy.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .pii_words import (
    CALENDAR,
    COMMON,
    INSTITUTIONS,
    NAMEABLE,
    NICKNAME_PREFIXES,
    NOT_A_HANDLE,
    NOT_A_NAME,
    NOT_A_TOWN,
    PROTECTED,
    STAFF_TERMS,
    VIRTUES,
)

# -- patterns -----------------------------------------------------------------------------------
_MONTHS = (r"(?:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?"
           r"|sep(?:t(?:ember)?)?\.?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?"
           r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|sept?iembre|setiembre|octubre|noviembre"
           r"|diciembre|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
           r"|janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|dezembro|januar|februar|m[äa]rz"
           r"|juni|juli|oktober|dezember)")
_ORDINAL_WORDS = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
                  r"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth"
                  r"|twenty[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth"
                  r"|thirty[- ]first|primero)")
_DAY = rf"(?:[0-3]?\d(?:st|nd|rd|th|º|°|o)?|{_ORDINAL_WORDS})"
_YEAR = r"(?:(?:19|20)\d\d|'\d\d)"
_YEAR_WORDS = (r"(?:nineteen|twenty|two thousand(?: and)?)[- ](?:(?:ten|eleven|twelve|thirteen|fourteen|fifteen"
               r"|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
               r"|one|two|three|four|five|six|seven|eight|nine|oh[- ]\w+)(?:[- ](?:one|two|three|four|five|six"
               r"|seven|eight|nine))?)")
_NUMERIC_DATE = r"(?:\b[0-3]?\d[/.-][0-3]?\d[/.-](?:(?:19|20)\d\d|\d\d)\b|\b(?:19|20)\d\d[/.-][01]?\d[/.-][0-3]?\d\b)"
_WRITTEN_DATE = (rf"(?:\b{_MONTHS}\s+{_DAY}(?:\s*,\s*|\s+|\s+of\s+){_YEAR}\b"          # March 3rd, 1985
                 rf"|\b{_DAY}\s+(?:of\s+|de\s+)?{_MONTHS}\s*,?\s+(?:of\s+|de\s+|del\s+)?{_YEAR}\b"  # 3 de marzo de 1985
                 rf"|\b{_MONTHS}\s+{_DAY}\s*,?\s+{_YEAR_WORDS}\b"
                 rf"|\b(?:the\s+)?{_DAY}\s+of\s+{_MONTHS}\s*,?\s+{_YEAR_WORDS}\b)")
FULL_DATE = re.compile(rf"{_NUMERIC_DATE}|{_WRITTEN_DATE}", re.IGNORECASE)
# After a birth cue, a partial date is enough: "born in March 1985", "DOB 3/12", "nací en el 85".
_BIRTH_CUE = (r"(?:\bborn\b|\bb\.|\bd\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|\bb-?day|\bbday"
              r"|\bnac[ií](?:do|da|mos)?\b|\bnacimiento\b|\bcumple(?:años|anos)?\b|\bn[ée]e?\b|\bnasci(?:do|da)?\b"
              r"|\bnascimento\b|\bgeboren\b|\bgeb\.)")
_PARTIAL_DATE = (rf"(?:{_NUMERIC_DATE}|{_WRITTEN_DATE}|\b[0-3]?\d[/.-][0-3]?\d\b"
                 rf"|\b{_MONTHS}\s+{_DAY}(?:\s*,?\s*{_YEAR}|\s*,?\s*{_YEAR_WORDS})?\b"
                 rf"|\b(?:the\s+)?{_DAY}\s+(?:of\s+|de\s+)?{_MONTHS}(?:\s*,?\s*(?:of\s+|de\s+|del\s+)?{_YEAR})?\b"
                 rf"|\b{_MONTHS}\s*,?\s*(?:of\s+|de\s+|del\s+)?{_YEAR}\b|{_YEAR_WORDS}\b|\b(?:19|20)\d\d\b|'\d\d\b"
                 rf"|\b(?:en\s+)?(?:el\s+)?(?:año\s+)?\d\d\b(?!\s*(?:years?|yrs?|años|anos|days?|d[ií]as)))")
BIRTH_DATE = re.compile(rf"{_BIRTH_CUE}[\s:,-]*(?:(?:on|in|el|en|is|was|es|fue|the|de|del|año|around|of|le|em|am"
                        rf"|à|a)\s+)*"
                        rf"(?P<pii>{_PARTIAL_DATE})", re.IGNORECASE)

_STREET_SUFFIX = (r"(?:street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl"
                  r"|terrace|ter|circle|cir|highway|hwy|parkway|pkwy|trail|trl|crescent|cres|close|square|sq"
                  r"|row|alley|pike|loop|run|path|walk|grove|heights|hts|parade|pde|esplanade|mews|gardens|gdns|rise|promenade"
                  r"|quay|wharf)")
_NOT_STREET_WORD = (r"(?!(?:steps?|days?|hours?|minutes?|weeks?|months?|years?|times?|miles?|kids?|people|mg"
                    r"|more|less|of|a|an|the|and|or|but|to|in|on|at|by|for|from|with|about|into|after|before"
                    r"|my|our|your|his|her|their|its|it|i|he|she|we|they|you|me|is|was|are|were|be|been|has"
                    r"|have|had|do|did|not|no|so|if|that|this|pills?|drinks?|beers?|meetings?|sessions?"
                    r"|am|pm|hour|dollars?|bucks|y|de|en|la|el|los|las|con|por|para|que)\b)")
_UNIT_WORD = (r"(?:apt\.?|apartment|unit|suite|ste\.?|flat|floor|fl\.?|apto\.?|ap\.|depto\.?|dpto\.?|piso|puerta"
              r"|int\.?|interior|casa|bloco|andar|appt\.?|appartement|étage)")
_UNIT = rf"(?:\s*,?\s*(?:{_UNIT_WORD}(?![^\W\d_])|#|no\b\.?)\s*#?\s*(?=[\w-]*\d|[A-Za-z]\b)[\w-]{{1,6}})"  # "apt 4B", "flat C"; not "not"
_CITY_ZIP = r"(?:\s*,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s*,?\s*(?:[A-Z]{2}\s*)?\d{5}(?:-\d{4})?)"
STREET_WITH_NUMBER = re.compile(
    rf"\b(?:\d{{1,4}}[A-Za-z]?\s*/\s*)?\d{{1,6}}(?![kK]\b)[A-Za-z]?(?:\s*-\s*\d{{1,4}})?\s+(?:(?:north|south|east|west|[NSEW])\.?\s+)?"
    rf"(?:{_NOT_STREET_WORD}[\w'.-]+\s+){{0,3}}?{_NOT_STREET_WORD}[\w'.-]+\s+{_STREET_SUFFIX}\b\.?{_UNIT}?{_CITY_ZIP}?",
    re.IGNORECASE)
_CAP = r"(?:[A-Z][\w'.-]*|\d{1,3}(?:st|nd|rd|th))"
STREET_NAMED = re.compile(  # "I live on Elm Street", "at Maple Ave", "on 5th Ave": a capitalised name and a suffix
    rf"\b(?:live[sd]?|living|stay(?:ing|s)?|moved|address(?:\s+is)?|house|place|apartment|apt)\s+"
    rf"(?:(?:on|at|in|to|is)\s+)?(?:the\s+)?(?P<named>{_CAP}(?:\s+{_CAP}){{0,2}}\s+"
    rf"(?i:{_STREET_SUFFIX})\b\.?{_UNIT}?)"
    rf"|\b(?:on|at|near|off|in|from)\s+(?:the\s+)?(?P<street>{_CAP}(?:\s+{_CAP}){{0,2}}\s+(?i:street|st|avenue|ave"
    rf"|road|rd|boulevard|blvd|lane|ln|drive|dr|highway|hwy|parkway|pkwy|court|ct|terrace|circle)\b\.?{_UNIT}?)")
ROUTE = re.compile(r"(?:\b\d{1,6}\s+)?\b(?:route|rte|highway|hwy|county\s+road|state\s+route|state\s+road|farm\s+to\s+market)\s+"
                   r"\d{1,4}[A-Z]?\b", re.IGNORECASE)
PO_BOX = re.compile(r"\bp\.?\s*o\.?\s*box\s+\d+\b|\bapartado(?:\s+de\s+correos)?\s+\d+\b", re.IGNORECASE)
UNIT_ALONE = re.compile(r"\b(?:apt\.?|apartment|unit|suite)\s*#?\s*\d+[A-Za-z]?\b", re.IGNORECASE)
_VIA = (r"(?:calle|c/|avenida|avda\.?|av\.|paseo|plaza|pza\.?|camino|carrera|cra\.?|carretera|ctra\.?|ronda|rua"
        r"|travessa|largo|alameda"
        r"|traves[ií]a|callej[oó]n|calzada|bulevar|pasaje|glorieta|colonia|col\.|urbanizaci[oó]n|urb\.)")
_VIA_NAME = r"(?:(?:de|del|la|las|los|el|y|san|santa|da|das|do|dos|des|du|le|les)\s+|[A-ZÁÉÍÓÚÑ0-9][\w.º°ª'-]*\s*){1,5}"
_FLOOR = r"\d+(?:[º°ª]\s?[A-Za-z]\b|[º°ª]|[A-Za-z]\b)?"  # "5", "5B", "3º", "3º B" (not "5 y")
_VIA_NUMBER = (rf"(?:,?\s*(?:n[º°o]\.?|n[uú]m\.?|n[uú]mero|#)?\s*{_FLOOR}(?:\s*[-–]\s*\d+)?"
               rf"(?:\s*,?\s*{_FLOOR}|\s*,?\s*(?:piso|puerta|dpto\.?|depto\.?|apto\.?|ap\.|casa|bloco|andar|int\.?)\s*\w+)*)")
SPANISH_STREET = re.compile(  # "Calle Mayor 5, 3º B"; without a number only after "vivo en" ("vivo en la calle" stays)
    rf"\b(?:viv[eoi]\w*|direcci[oó]n|domicilio)\b[^.,;]{{0,12}}?(?P<cued>(?i:{_VIA})\s+{_VIA_NAME}{_VIA_NUMBER}?)"
    rf"|(?P<numbered>\b(?i:{_VIA})\s+{_VIA_NAME}{_VIA_NUMBER})"
    rf"|(?P<number_first>\b\d{{1,6}}[A-Za-z]?,?\s+(?i:{_VIA})\s+{_VIA_NAME})")  # "742 Calle Luna", "1530 Calle Olivo"


# French ("12 rue de la Paix") and German ("Hauptstraße 12") forms, for visitors writing in them.
FRENCH_STREET = re.compile(r"\b\d{1,4}(?:\s*(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|bd|chemin|all[ée]e|impasse"
                           r"|place|quai|route)\s+(?:(?:des|de|du|la|le|les)\s+|l['’]\s*|[A-ZÉÈ][\w'’-]*\s*){1,5}")
GERMAN_STREET = re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm)\s+\d{1,4}"
                           r"[a-z]?\b")


def spanish_streets(text: str) -> list[tuple[int, int]]:
    """With a house number written first, also after "vivo en": "vivimos en 1530 Calle Olivo"."""
    found = []
    for match in SPANISH_STREET.finditer(text):
        start, end = match.span(match.lastgroup)
        number = re.search(r"\b\d{1,6}[A-Za-z]?,?\s+$", text[:start])
        found.append((number.start() if number else start, end))
    return found


# A Canadian unit-civic number ("12-4501 Kingsway"), or a street named in one word ending in -way ("4501 Kingsway").
UNIT_CIVIC = re.compile(r"\b\d{1,5}-\d{2,6}\s+(?P<name>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2})"
                        r"|\b\d{1,6}\s+(?P<way>[A-Z][a-z]+way)\b")
_STREET_NAME_WORD = re.compile(rf"{_NOT_STREET_WORD}\w", re.IGNORECASE)  # not "10-15 Minutes"
_UNIT_BEFORE = re.compile(rf"(?i:{_UNIT_WORD})\s*#?\s*(?=[\w-]*\d|[A-Za-z]\b)[\w-]{{1,6}}\s*,?\s*$")
_UNIT_AFTER = re.compile(rf"{_UNIT}+", re.IGNORECASE)


def unit_civic_streets(text: str, lists: "NameLists") -> list[tuple[int, int]]:
    return [match.span() for match in UNIT_CIVIC.finditer(text)
            if not lists.is_plain_word(match.group(match.lastgroup).split()[0])
            and _STREET_NAME_WORD.match(match.group(match.lastgroup))]


# The town after a street: ", Dorchester", ", San Antonio, TX 78207", ", 69003 Lyon" (pii_words.NOT_A_TOWN says why).
_CAPITAL_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
_TOWN_AFTER = re.compile(rf"\s*,\s*(?:\d{{4,5}}\s+)?(?!(?:{NOT_A_TOWN})\b){_CAPITAL_WORD}"
                         rf"(?:\s+(?:(?:de|del|la|los|las|do|da|dos|das|le|les|sur)\s+)?{_CAPITAL_WORD}){{0,2}}"
                         rf"(?:\s*,?\s*[A-Z]{{2}}\b)?(?:\s*\d{{5}}(?:-\d{{4}})?)?")


def whole_address(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """An address with the flat or apartment written before or after it ("Flat 2, 17 Cranbrook Road",
    "Avenida Insurgentes Sur 1457, depto 302") and the town after it ("12 Elm St, Dorchester")."""
    out = []
    for start, end in spans:
        before = _UNIT_BEFORE.search(text[max(0, start - 30):start])
        if before:
            start -= len(text[max(0, start - 30):start]) - before.start()
        end = after.end() if (after := _UNIT_AFTER.match(text, end)) else end
        out.append((start, town.end() if (town := _TOWN_AFTER.match(text, end)) else end))
    return out


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
                   # written out to slip past filters: "dawn.m at yahoo dot com", "jo (at) gmail (dot) com"
                   r"|[\w.+-]+(?:\s+(?i:dot|punto)\s+[\w+-]+)*\s+(?i:at|arroba)\s+(?i:gmail|yahoo|hotmail|outlook|icloud|aol"
                   r"|protonmail|proton|live|msn)\b(?:(?:\s+(?i:dot|punto)\s+|\.)(?i:com|net|es|mx|co))?"
                   r"|[\w.+-]+(?:\s*[(\[]at[)\]]\s*|\s+(?i:at|arroba)\s+)[\w-]+"
                   r"(?:(?:\s*[(\[]dot[)\]]\s*|\s+(?i:dot|punto)\s+|\.)[\w-]+)*"
                   r"(?:\s*[(\[]dot[)\]]\s*|\s+(?i:dot|punto)\s+|\.)(?i:com|net|org|edu|gov|io|co|us|uk|ca|mx|es|ar|br|pt)\b")
URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|uk|au|nz|ca|ie|me|co|ly)\b"
                 r"(?:/\S*)?", re.IGNORECASE)
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)"
PHONE = re.compile(r"\+?\(?\d[\d\s().-]{6,}\d"
                   # spelt out: seven or more digit words in a row ("five five five, two one two, …")
                   r"|\b(?i:" + _DIGIT_WORD + r"(?:[\s,.-]+" + _DIGIT_WORD + r"){6,})\b")
LONG_NUMBER = re.compile(r"\d{5,}")
HANDLE_AT = re.compile(r"(?<![\w.@/])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?")
HANDLE_SHAPE = re.compile(r"\b(?:u/|r/)?[A-Za-z0-9]+(?:[_.][A-Za-z0-9]+)*_[A-Za-z0-9_.]*\b(?:#\d{4}\b)?"
                          r"|\bu/[\w-]{3,20}\b")
DISCORD_TAG = re.compile(r"(?<![\w@#/.])(?=[\w.]*[A-Za-z])[A-Za-z0-9_.]{2,32}#\d{4}\b")  # "nightowl#4471"
_HANDLE_TOKEN = r"@?[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?:#\d{4}\b)?"
_SEP = r"(?:\s*(?:[:=@-]|->|is|es|it's|its|name|handle|account|acct|as|at|user(?:name)?|usuario|called|named|@)\s*)"
HANDLE_CUE = re.compile(
    rf"\b(?:insta(?:gram)?|snap(?:chat)?|tik\s?tok|twitter|discord|telegram|kik|reddit|gamertag|psn|xbox|steam"
    rf"|twitch|bluesky|bsky|tumblr|youtube|yt|facebook"
    rf"|venmo|cashapp|cash\s+app)\b{_SEP}*\s*(?P<h1>{_HANDLE_TOKEN})"
    rf"|\b(?:my|mi|on|en|add\s+me\s+on|dm\s+me\s+on)\s+(?:ig|sc|x|fb|tt|threads|whatsapp|signal|facebook|handle"
    rf"|username|user\s+name|usuario)\b{_SEP}+\s*(?P<h2>{_HANDLE_TOKEN})"  # "my handle is", not "handle stress"
    rf"|\b(?:ig|sc|x|fb|tt|snap|insta|handle|username|usuario)\s*:\s*(?P<h3>{_HANDLE_TOKEN})", re.IGNORECASE)
_UNIT_SUFFIX = r"(?:mg|mcg|ml|g|kg|lbs?|oz|am|pm|st|nd|rd|th|hrs?|h|mins?|k|x|yo|yrs?|s|mm|cm|km|mi)"
ID_SHAPE = re.compile(  # a token of letters and 3+ digits: member and case numbers, licence plates
    rf"\b(?![0-9]+{_UNIT_SUFFIX}\b)(?=[A-Za-z0-9-]*[A-Za-z])(?=(?:[A-Za-z-]*\d){{3}})[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b")
ID_CUE = re.compile(
    r"\b(?:id|member|policy|case|account|acct|medicaid|medicare|insurance|licen[cs]e|ssn|social\s+security|dni|nie"
    r"|pasaporte|passport|expediente|claim|group\s+number|mrn)\b(?:\s*(?:number|num|no\.?|#|is|es|:|n[º°o]))*\s*[:#]?\s*"
    r"(?P<pii>(?=[\w-]*\d)[A-Za-z0-9][\w-]{3,})", re.IGNORECASE)
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")

# Names after a cue. Strong: any word that is not a function word. Relation: capitalised, or a
# census first name that is not also an ordinary word. Weak ("I'm"): a census first name.
_APOS = r"['’]"
NAME_CUE = re.compile(
    rf"(?P<strong>\b(?:(?:my|his|her|their|our)\s+)?(?:full\s+)?name(?:\s+is|{_APOS}s|\s*:)|\bnames?\s+is"
    rf"|\b(?:my|his|her)\s+names"
    rf"|\bcall\s+me|\bthey\s+call\s+(?:me|him|her)|\bme\s+llamo|\b(?:me|le|les|lo|la)\s+(?:dicen|llaman)(?:\s+(?:el|la))?|\bse\s+llama|\b(?:mi|su)\s+nombre\s+es"
    rf"|\b(?:guy|girl|man|woman|lady|dude|kid|boy|person|someone|somebody|fellow|chick|gentleman|client|patient"
    rf"|member|sponsor|sponsee|friend|counselou?r|therapist|nurse|tech)\s+(?:named|called|by\s+the\s+name\s+of)"
    rf"|\b(?:everyone|everybody|they|people|ppl|folks|friends|all|yall|y'all)\s+(?:calls?|calling)\s+(?:me|him|her|them)"
    rf"|\bmeny[aя]\s+zovut|\bменя\s+зовут|\bзовут|\bмоё\s+имя|\bмое\s+имя|اسمي|\bjina\s+langu\s+ni"
    rf"|\bmagacay(?:gu|ga)(?:\s+waa)?|\bako\s+si|\bpangalan\s+ko(?:\s+ay)?|\bmera\s+naam(?:\s+hai)?|\bbenim\s+ad[ıi]m"
    rf"|\bnama\s+saya(?:\s+adalah)?|\bmi\s+chiamo|\bik\s+heet|\bmijn\s+naam\s+is|\bnazywam\s+si[ęe]|\bmam\s+na\s+imi[ęe]"
    rf"|\bsunana|\boru[kḳ][oọ]\s+mi\s+ni"
    rf"|\bnombre\s*:|\bsigned|\bfirma(?:do)?|\bme\s+chamo|\bmeu\s+nome\s+[ée]|\bje\s+m['’]appelle"
    rf"|\bmon\s+nom\s+est|\bmein\s+name\s+ist|\bich\s+hei(?:ß|ss)e|\btên(?:\s+là)?(?=\s+(?-i:[A-ZÀ-Ỹ])))(?!\w)"
    rf"|(?P<relation>(?:\b(?:my|mi|mis|our|nuestro|nuestra)\s+(?:(?:\d+|older|oldest|younger|youngest|little|big|baby"
    rf"|teenage|adult|step|ex|late|best|mayor|menor|peque[nñ]o|peque[nñ]a)[\s-]*(?:year[\s-]old\s+)?)?"
    rf"(?:son|daughter|kid|child|husband|wife|partner|boyfriend|girlfriend|bf|gf|ex|brother|sister|mom|mum|mother"
    rf"|dad|father|friend|cousin|nephew|niece|uncle|aunt|auntie|grandson|granddaughter|grandma|grandpa"
    rf"|grandmother|grandfather|fianc[eé]e?|sponsor|counselou?r|therapist|roommate|stepson|stepdaughter"
    rf"|hijo|hija|esposo|esposa|marido|mujer|novio|novia|hermano|hermana|madre|padre|mam[aá]|pap[aá]|amigo"
    rf"|amiga|primo|prima|sobrino|sobrina|nieto|nieta|t[ií]o|t[ií]a|abuelo|abuela|pareja|padrino|madrina)\b"
    rf"|\b(?:meu|minha|mon|ma|mein|meine)\s+(?:filho|filha|marido|esposa|irm[ãa]o|irm[ãa]|fils|fille|mari|femme"
    rf"|fr[èe]re|s[œo]eur|sohn|tochter|mann|frau|bruder|schwester)\b"
    rf"|\b(?:m[óo]j|moja|mojego|moj[aą])\s+(?:syn|c[óo]rka|m[ąa][żz]|[żz]ona|brat|siostra|ojciec|matka|przyjaciel"
    rf"|przyjaci[óo][łl]ka|wnuk|wnuczka)\b"
    rf"|\bmy\s+\d{{1,2}}[\s-]*(?:yr|yrs|year|years|y/?o)[\s-]*old(?=\s+(?-i:[A-ZÁÉÍÓÚÑ]))"
    rf"|(?:мой|моя|моего|мою)\s+(?:сын|дочь|дочка|муж|жена|брат|сестра|друг|подруга|отец|мать|мама|папа|внук|внучка)\b)"
    rf"(?:\s*,|\s+(?:is|named|called|se\s+llama|llamado|llamada|es)\b)?"
    rf"|\b(?:named|called|llamad[oa])|\b(?:dr|mr|mrs|ms|miss|sr|sra|srta|don|doña|officer|ofc|det|detective|deputy"
    rf"|sgt|sergeant|sheriff|judge|pastor|rev|reverend|coach|nurse|counselou?r|doctor|doctora|prof|lic)\.?"
    rf"(?=\s+[A-ZÁÉÍÓÚÑ])|\b(?:licenciad[oa]|oficial|enfermer[oa]|abogad[oa]|agente|monsieur|madame|mme|trooper)\.?"
    rf"(?=\s+(?-i:[A-ZÁÉÍÓÚÑ]))"
    rf"|\b(?:thanks|thank\s+you|thx|regards|cheers|gracias|saludos|sincerely|love|xoxo|atentamente|atte)\s*[,!.-]+"
    rf"|\b(?:thanks|thank\s+you|thx|gracias|obrigad[oa]|merci)(?=\s+(?-i:[A-ZÁÉÍÓÚÑ])))"  # "gracias Maripaz por..."
    rf"|(?P<alias>\b(?:goes|go|went|going)\s+by|\b(?:known|know\s+him|know\s+her)\s+as|\bnicknamed|\baka\b"
    rf"|\ba\.k\.a\.?|\bstreet\s+name(?:\s+is|\s+was)?)"
    rf"|(?P<weak>\b(?:i{_APOS}?m|i\s+am|this\s+is|it{_APOS}?s|here{_APOS}?s|soy(?:\s+(?:la|el))?|sou(?:\s+(?:a|o))?"
    rf"|aqu[ií]\s+(?:es|habla)|je\s+suis"
    rf"|ich\s+bin|eu\s+sou(?:\s+(?:a|o))?|name(?!\s*(?:is\b|{_APOS}s\b|:))|nombre)\b)",
    re.IGNORECASE)
_WORD = re.compile(r"\s*[,:-]?\s*([^\W\d_][\w'’-]*)")
# Capital letters of the Latin and Cyrillic alphabets ("Łukasz", "Ólafur", "Ирина"): a name's first letter.
_CAPITALS = "".join(ch for ch in map(chr, [*range(0x41, 0x250), *range(0x400, 0x530)]) if ch.isupper())
CAPITALISED = re.compile(f"[{re.escape(_CAPITALS)}][^\\W\\d_]")
_SENTENCE_END = re.compile(r"(?:^|[.!?¿¡\n])\s*[\"'(]*$")
_LOCATIVE = re.compile(r"\b(?:in|at|near|to|from|en|cerca\s+de|de|del)\s+$", re.IGNORECASE)
# Drinks and drugs named like people ("a fifth of Jack Daniels", "molly and mary jane", "Crystal meth"):
# a name the second recogniser (Rampart) finds inside one is kept.
DRINKS_AND_DRUGS = re.compile(r"\b(?:jack\s+daniel[’']?s?|johnnie\s+walker|jim\s+beam|jose\s+cuervo|captain\s+morgan"
                              r"|mary\s+jane|molly|crystal(?=\s+meth)|tina(?=\s+and\s+)|charlie(?=\s+(?:and|or)\s+))\b",
                              re.IGNORECASE)
_FREE_WORD = re.compile(r"(?<![\w@/.-])[A-ZÁÉÍÓÚÑ][a-záéíóúñ'’]+(?:-[A-Z][a-z]+)?\b")


_ENDINGS = ("ed", "d", "ing", "s", "es", "ly", "er", "ers", "ish", "in", "n")  # "texted", "textin", "loves"


@dataclass(frozen=True)
class NameLists:
    first: frozenset[str]    # census first names, lowercase
    last: frozenset[str]     # census surnames, lowercase
    stop: frozenset[str]     # spaCy's English and Spanish stop words, and NOT_A_NAME
    english: frozenset[str] = frozenset()  # an English dictionary (pyspellchecker's), lowercase
    everyday: frozenset[str] = frozenset()  # its words in everyday use ("read", "brown"; not "ramirez", "smith")

    def is_plain_word(self, word: str) -> bool:
        low = re.sub(r"['’]s$", "", word.lower()).strip("'’")
        return low in self.stop or low in PROTECTED

    def first_name(self, word: str) -> bool:
        low = plain(word)
        return low in self.first and low not in COMMON and not self.is_plain_word(word)

    def surname(self, word: str) -> bool:
        return plain(word) in self.last

    def function_word(self, word: str) -> bool:
        """A word that is never a name even capitalised after a cue: "is", "not", "Narcan", "Monday";
        not "Will", "Hope", "May" (NAMEABLE)."""
        low = word.lower().strip("'’")
        return low not in NAMEABLE and (low in self.stop or low in STAFF_TERMS or low in CALENDAR)

    def unknown_word(self, word: str) -> bool:
        """Not an English word, nor one inflected ("texted"), nor a known non-name: "bex", "priya", "tanvir"
        (not "sober", "idk")."""
        low = word.lower().strip("'’")
        if not self.english or len(low) < 3 or not low.isalpha() or low in self.english or self.is_plain_word(low):
            return False
        stems = [low[: -len(ending)] for ending in _ENDINGS if low.endswith(ending) and len(low) > len(ending) + 2]
        return not any(stem in self.english or stem + "e" in self.english for stem in stems)

    def surname_after_name(self, word: str) -> bool:
        """A capitalised word after a name that continues it: "Jamal Washington", "Maria Kowalski";
        not "Maria Monday", "Jake Narcan", "Jake And"."""
        if not CAPITALISED.match(word) or self.function_word(word) or word.lower() in NAMEABLE:
            return False
        return self.surname(word) or not self.is_plain_word(word) and self.unknown_word(word)


def plain(word: str) -> str:
    """Lowercase without accents, as the census lists write names ("Lucía" -> "lucia")."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch))


def _spans(pattern: re.Pattern, text: str, group: str | int = 0) -> list[tuple[int, int]]:
    out = []
    for match in pattern.finditer(text):
        try:
            start, end = match.span(group)
        except IndexError:
            start, end = match.span()
        if start >= 0 and end > start:
            out.append((start, end))
    return out


_NON_ENGLISH_CUE = re.compile(r"(?:mi|mis|nuestr[oa]|su|soy|sou|aqu[ií]|me|se|llamad[oa]|meu|minha|mon|ma|mein|meine"
                              r"|je|ich|eu|nombre|gracias|saludos|atte?)\b", re.IGNORECASE)
_TITLE_CUE = re.compile(r"(?:dr|mr|mrs|ms|officer|ofc|det|detective|deputy|sgt|sergeant|sheriff|judge|pastor|rev"
                        r"|reverend|coach|nurse|doctor|doctora|prof)\.?$", re.IGNORECASE)
_GREETING_BEFORE = re.compile(r"(?:\b(?:hi|hey|hello|hiya|heya|hola|yo|ok|okay|so|um|uh)\b)[\s,!.]*$", re.IGNORECASE)


def names_after_cues(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """Names that follow "my name is", "I'm", "my son", "goes by", "me llamo", "soy", "mi hijo", "Dr.",
    "thanks,": lowercase too, with a following surname. A capitalised word right after a relation is a
    name even when it is also a word ("my husband Will", "my daughter Hope"); a lowercase one when it is a
    census first name or no English word ("my wife is bex")."""
    found = []
    for cue in NAME_CUE.finditer(text):
        kind = cue.lastgroup
        first = _WORD.match(text, cue.end())
        if not first:
            continue
        word = first.group(1)
        low = word.lower()
        capital = bool(CAPITALISED.match(word))
        if capital and low in NICKNAME_PREFIXES and kind in ("relation", "alias"):
            nickname = re.match(r"\s+([A-Z][\w'’-]+)", text[first.end():])
            if nickname and not lists.is_plain_word(nickname.group(1)):
                found.append((first.start(1), first.end() + nickname.end()))
            continue
        english = not _NON_ENGLISH_CUE.match(cue.group())
        if lists.function_word(word) or (low.endswith(("ando", "iendo", "yendo")) and plain(word) not in lists.first):
            continue  # "me llamo diciendo" is "she called me saying"; Fernando, Orlando are names
        if lists.is_plain_word(word) and low not in NAMEABLE:
            continue  # places, "hope" in "a group called Hope": only NAMEABLE words pass
        after = re.match(r"\s+([^\W\d_]+)", text[first.end():])
        if low in NAMEABLE and after and after.group(1).lower() in INSTITUTIONS:
            continue  # "this is Grace Church", "my sponsor Hope House"
        unknown = english and lists.unknown_word(word)
        if kind == "strong":
            ok = True
        elif kind == "relation":
            called = cue.group().lower().startswith(("named", "called", "llamad"))
            copula = re.search(r"\s(?:is|es)$", cue.group(), re.IGNORECASE)  # "my wife is bex", not "is Catholic"
            # after a title, a lowercase census surname too ("officer ramirez", "dr patel"; not "pastor read Mark")
            titled = _TITLE_CUE.match(cue.group()) and lists.surname(word) and low not in COMMON and low not in lists.everyday
            ok = ((capital and not (called and low in NAMEABLE) and not (copula and low in lists.english))
                  or lists.first_name(word) or unknown or titled)
        elif kind == "alias":  # "goes by Smokey" yes, "time goes by fast" no
            ok = capital or lists.first_name(word) or unknown
        else:  # "I'm Destiny" yes, "im tired" no: a census name, capitalised or not an ordinary word too;
            # after Spanish "soy" any capitalised word ("soy Ximena": nationalities are lowercase in Spanish);
            # "this is Grace", "I'm Hope" (not "it's May"); a greeting first: "hey its bill", "hi this is priya"
            greeting = bool(_GREETING_BEFORE.search(text[: cue.start()]))
            ok = low not in CALENDAR and (lists.first_name(word)
                  or (capital and low not in NOT_A_NAME and (plain(word) in lists.first or cue.group().lower().startswith(("soy", "sou", "aqu"))))
                  or (capital and low in VIRTUES)
                  or (greeting and (plain(word) in lists.first or unknown)))
        if not ok:
            continue
        start, end = first.span(1)
        # up to two more words of the name: capitalised, or a lowercase surname after a lowercase first name
        for _ in range(2):
            more = re.match(r"\s+([^\W\d_][\w'’-]*)", text[end:])
            if not more:
                break
            nxt = more.group(1)
            if nxt.lower() in NOT_A_NAME or (nxt.lower() in COMMON and not CAPITALISED.match(nxt)) or \
                    re.sub(r"['’]s$", "", nxt.lower()) in INSTITUTIONS:
                break
            if (CAPITALISED.match(nxt) and (lists.surname_after_name(nxt) or not lists.is_plain_word(nxt))) or (
                    not capital and lists.surname(nxt) and not lists.is_plain_word(nxt)):
                end += more.end()
            else:
                break
        if _ARABIC.match(word):  # no capitals to go by: a family name with the article ("فاطمة الزهراء")
            family = re.match(r"\s+(?:(?:بن|بنت|ابن|أبو|ابو)\s+)?ال[\u0621-\u064A]+", text[end:])
            end += family.end() if family else 0
        found.append((start, end))
    return found


_ARABIC = re.compile(r"[\u0621-\u064A]")
_HERE = re.compile(r"(?:^|[.!?\n]\s*|\b(?:hi|hey|hello|hiya|hola)\b[\s,!.]*)(?P<name>[^\W\d_][\w'’-]+)\s+here\b"
                   r"(?=\s*[,.!:;(-]|\s*$|\s+(?:and|from|again|with)\b)", re.IGNORECASE)


def names_before_here(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """A name that opens a message or follows a greeting, then "here": "Tasha here, can I", "hi, dre here."
    (not "nobody here,", "new here", "help here")."""
    found = []
    for match in _HERE.finditer(text):
        word = match.group("name")
        if CAPITALISED.match(word) and word.lower() in NAMEABLE:  # "Grace here." (not "grace here")
            found.append(match.span("name"))
            continue
        if lists.function_word(word) or lists.is_plain_word(word):
            continue
        if lists.first_name(word) or plain(word) in lists.first or lists.unknown_word(word) or (
                CAPITALISED.match(word) and word.lower() not in lists.english):
            found.append(match.span("name"))
    return found


def surname_end(text: str, end: int, lists: NameLists) -> int:
    """Where a name found at text[..end] ends with the surname that follows it ("Jamal" -> "Jamal Washington")."""
    more = re.match(r"\s+([A-ZÁÉÍÓÚÑ][\w'’-]+)", text[end:])
    if more and lists.surname_after_name(more.group(1).rstrip("'’")):
        return end + more.end()
    return end


def names_in_lists(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """A capitalised census first name inside a sentence ("and Jake relapsed"), with its surname;
    not at a sentence's start ("Will it help?") nor after "in/at/from" (places: "in Denver")."""
    found = []
    for match in _FREE_WORD.finditer(text):
        word = match.group()
        if not lists.first_name(word.split("-")[0]):
            continue
        before = text[: match.start()]
        if _SENTENCE_END.search(before) or _LOCATIVE.search(before):
            continue
        end = match.end()
        more = re.match(r"\s+([A-Z][\w'’-]+)", text[end:])
        if more and not lists.is_plain_word(more.group(1)):
            end += more.end()
        found.append((match.start(), end))
    return found


def handles_after_cues(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """What follows "my insta is", "snap:"...: not an ordinary word ("my insta is private", "on snap they")."""
    found = []
    for match in HANDLE_CUE.finditer(text):
        token = match.group(match.lastgroup).lower().lstrip("@")
        if token in NOT_A_HANDLE or token in lists.stop:
            continue
        start, end = match.span(match.lastgroup)
        if CAPITALISED.match(match.group(match.lastgroup)):  # a profile name: "my facebook is Jane Doe"
            for _ in range(2):
                more = re.match(r"\s+([A-Z][\w'’-]+)", text[end:])
                if not more or lists.is_plain_word(more.group(1)):
                    break
                end += more.end()
        found.append((start, end))
    return found


_PLATFORM = re.compile(r"\b(?:insta(?:gram)?|ig|snap(?:chat)?|tik\s?tok|twitter|discord|telegram|kik|reddit|threads"
                       r"|gamertag|psn|xbox|steam|facebook|fb|twitch|bluesky|bsky|tumblr|youtube)\b", re.IGNORECASE)
# After a platform is named, "it's / mine is / : <token>" a little later, the token shaped like a handle
# (a dot, an underscore, a #tag or letters with digits): "my snapchat ... its milesaway.jpg".
_HANDLE_LATER = re.compile(r"\b(?:it{_APOS}?s|its|mine(?:\s+is|{_APOS}s)|(?:name|handle|account)\s+is|is|es|:)\s+"
                           r"(?P<h>@?(?=[\w.#]*[A-Za-z])[A-Za-z0-9_]+(?:[._][A-Za-z0-9_]+)+(?:#\d{4})?\b"
                           r"|@?(?=[\w]*[A-Za-z])(?=[\w]*\d)[A-Za-z0-9_]{4,30}(?:#\d{4})?\b)".replace("{_APOS}", _APOS),
                           re.IGNORECASE)


def handles_after_platform(text: str) -> list[tuple[int, int]]:
    found = []
    for platform in _PLATFORM.finditer(text):
        window = text[platform.end(): platform.end() + 120]
        for match in _HANDLE_LATER.finditer(window):
            token = match.group("h")
            if EMAIL.fullmatch(token) or re.fullmatch(rf"\d+(?:\.\d+)?{_UNIT_SUFFIX}", token, re.IGNORECASE):
                continue  # "is 10mg", "its 3.5mg"
            found.append((platform.end() + match.start("h"), platform.end() + match.end("h")))
    return found


def finders(lists: NameLists) -> dict[str, list]:
    """Entity -> functions text -> [(start, end)]: everything found without the model."""
    return {
        "EMAIL": [lambda t: _spans(EMAIL, t)],
        "URL": [lambda t: _spans(URL, t)],
        "SOCIAL_HANDLE": [lambda t: _spans(HANDLE_AT, t), lambda t: _spans(HANDLE_SHAPE, t),
                          lambda t: _spans(DISCORD_TAG, t), lambda t: handles_after_cues(t, lists),
                          handles_after_platform],
        "STREET_ADDRESS": [lambda t: _spans(ROUTE, t), lambda t: _spans(UNIT_ALONE, t),
                           lambda t: whole_address(t, _spans(STREET_WITH_NUMBER, t)),
                           lambda t: whole_address(t, [m.span(m.lastgroup) for m in STREET_NAMED.finditer(t)]),
                           lambda t: whole_address(t, _spans(PO_BOX, t)), lambda t: whole_address(t, spanish_streets(t)),
                           lambda t: whole_address(t, _spans(FRENCH_STREET, t)),
                           lambda t: whole_address(t, _spans(GERMAN_STREET, t)),
                           lambda t: whole_address(t, unit_civic_streets(t, lists))],
        "DATE_OF_BIRTH": [lambda t: _spans(BIRTH_DATE, t, "pii")],
        "FULL_DATE": [lambda t: _spans(FULL_DATE, t)],
        "OTHER_ID": [lambda t: _spans(ID_CUE, t, "pii"), lambda t: _spans(ID_SHAPE, t), lambda t: _spans(SSN, t)],
        "PHONE": [lambda t: _spans(PHONE, t)],
        "LONG_NUMBER": [lambda t: _spans(LONG_NUMBER, t)],
        "PERSON": [lambda t: names_after_cues(t, lists), lambda t: names_in_lists(t, lists),
                   lambda t: names_before_here(t, lists)],
    }
