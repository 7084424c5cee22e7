"""Undo the usual disguises before the crisis screen reads a message: case, leetspeak, spacing,
repeated letters, common misspellings, zero-width characters, homoglyphs, apostrophes, and emoji
that carry meaning (a pill, a knife, a rope). Pure functions, no data files."""
from __future__ import annotations

import functools
import re
import unicodedata

SURROGATES = re.compile("[\ud800-\udfff]")
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# Emoji that carry meaning for the screen become words; every other pictograph becomes a space.
_EMOJI_WORDS = {
    "\U0001F48A": " pills ",   # pill
    "\U0001F489": " needle ",  # syringe
    "\U0001FA78": " blood ",   # drop of blood
    "\U0001F52A": " knife ",   # kitchen knife
    "\U0001F5E1": " knife ",   # dagger
    "\U0001F52B": " gun ",     # pistol
    "\U0001FAA2": " rope ",    # knot
    "\u26B0": " coffin ",
    "\U0001FAA6": " grave ",   # headstone
}
_EMOJI_WORD_RE = re.compile("|".join(re.escape(k) for k in _EMOJI_WORDS))
_PICTOGRAPHS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u20E3]+")
# Cyrillic and Greek look-alikes used to dodge filters ("kіll" with a Cyrillic і).
_HOMOGLYPHS = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h", "ѵ": "v",
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w",
})
_APOSTROPHE_IN_WORD = re.compile(r"(?<=[^\W\d_])['’ʼ‘`´](?=[^\W\d_])")
_OD_APOSTROPHE = re.compile(r"\bo\.?d\.?\s?['’ʼ]\s?(d|ed|ing|s)\b")
_ANY_APOSTROPHE = re.compile(r"['’ʼ‘`´]")
_OD_UPPER = re.compile(r"\bOD('d|’d|d|ed|ing|'ing|’ing|s|'s)\b")
_LEET_CANDIDATE = re.compile(r"[a-z0-9@$!|]*[a-z][a-z0-9@$!|]*")
_HAS_LEET = re.compile(r"[a-z][0134579@$!|]|[0134579@$!|][a-z]")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:mg|mgs|mcg|ug|ml|g|kg|lb|lbs|oz|x|k|am|pm|st|nd|rd|th|s|h|hr|hrs|min|mins|d|day|days|wk|wks"
    r"|yr|yrs|yo|m|mo|mos|pack|pk|km|mi)|x\d+"
)
_RUNS = re.compile(r"[a-z]+|[^a-z]+")
_SPACED_LETTERS = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*·•]+){2,}[^\W\d_](?![^\W\d_])")
_SPACED_SEPARATORS = re.compile(r"[ .\-_*·•]+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_MISSPELLINGS: dict[str, str] = {}
for _right, _wrongs in {
    "suicide": "sucide suiside suicde suiscide suacide sueside suecide suicid suisid sucid suicdie suicede "
               "suicidee sucicide suiced suiside",
    "suicidal": "sucidal suicdal suisidal sucidial suicidial suicidel suicidle suacidal suecidal sucicidal "
                "suisidle",
    "overdosing": "overdoseing overdossing overdosin overdozing overdosign",
    "overdose": "overdoze ovrdose ovedose overdos oversose overdse",
    "overdosed": "overdozed ovrdosed overdossed overdsed",
    "want": "wnat watn wamt",
    "life": "lfie",
    "dying": "dieing diying",
    "seizure": "sezure seizur siezure seisure",
    "seizures": "siezures seizers sezures",
    "unconscious": "unconcious unconsious unconcous",
    "hallucinating": "halucinating halusinating hallucinateing",
    "withdrawal": "withdrawl withdrawel",
    "myself": "myslef mysef",
}.items():
    for _wrong in _wrongs.split():
        _MISSPELLINGS[_wrong] = _right
_MISSPELLING_RE = re.compile(r"\b(" + "|".join(sorted(_MISSPELLINGS, key=len, reverse=True)) + r")\b")
_OVERDOES = re.compile(r"\boverdoes\b(?!\s+it\b)")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def _unleet_token(match: re.Match) -> str:
    token = match.group(0)
    if _NUMBER_WITH_UNIT.fullmatch(token):
        return token
    runs = _RUNS.findall(token)
    out = []
    for index, run in enumerate(runs):
        if run[0].isalpha() or not all(ch in _LEET for ch in run):
            out.append(run)
            continue
        before = index > 0
        after = index + 1 < len(runs)
        digits = sum(ch.isdigit() for ch in run)
        if digits >= 2 or not (before or after):
            out.append(run)              # "800" in "800mg", "12" in "12steps": a number, not a letter
            continue
        mapped = []
        for ch in run:
            if ch in "!|" and not (before and after):
                mapped.append(ch)        # "help!" keeps its "!"; "k!ll" -> "kill"
            else:
                mapped.append(_LEET[ch])
        out.append("".join(mapped))
    return "".join(out)


def emoji_as_words(text: str) -> str:
    """Each emoji as its name ("👍" → "thumbs up", "🪢" → "rope"), for the classifier's encoders: their
    vocabularies lack most emoji and read every one as the same unknown token, so a thumbs-up and a
    rope got the same vector and the same risk. The screen's own words first (🔫 is a gun to it, not
    the "water pistol" of Unicode's name), then the emoji library's names for the rest."""
    if text.isascii() or not _emoji_starts().intersection(text):  # most messages: nothing to name
        return text
    import emoji

    text = _EMOJI_WORD_RE.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
    text = emoji.demojize(text, delimiters=(" ", " "))
    # demojize's names are snake_case ("thumbs_up"); plain words read best ("thumbs up")
    return " ".join(_EMOJI_NAME.sub(lambda m: m.group(0).replace("_", " "), text).split())


@functools.cache
def _emoji_starts() -> frozenset[str]:
    """The first character of every emoji the library names: a message with none of them has no emoji
    (demojize would scan it for nothing; an accented Spanish sentence took 80 µs, three times a message)."""
    import emoji

    return frozenset(key[0] for key in emoji.EMOJI_DATA) | frozenset(_EMOJI_WORDS)


_EMOJI_NAME = re.compile(r"(?<= )[a-z0-9]+(?:_[a-z0-9&'.-]+)+(?= |$)", re.IGNORECASE)


def _join_spaced(match: re.Match) -> str:
    return _SPACED_SEPARATORS.sub("", match.group(0))


def normalise_text(text: str, keep_apostrophes: bool = False) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not text:
        return ""
    # "ODd", "ODed", "ODing", "OD's": only the upper-case OD is read as overdose ("odd" stays odd)
    text = _OD_UPPER.sub(lambda m: "oded" if m.group(1) in ("d", "ed", "'d", "’d") else "od" + m.group(1).lstrip("'’"), text)
    if text.isascii():  # fast path for most messages: no Unicode tricks possible
        text = text.lower().replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL.sub(" ", text)
    else:
        text = SURROGATES.sub("", text)
        text = _EMOJI_WORD_RE.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
        text = unicodedata.normalize("NFKC", text)
        text = text.casefold().translate(_HOMOGLYPHS)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _INVISIBLE.sub("", text)
        text = _CONTROL.sub(" ", text)
        text = _PICTOGRAPHS.sub(" ", text)
    text = _OD_APOSTROPHE.sub(lambda m: "od" + m.group(1) if m.group(1) != "d" else "oded", text)
    if keep_apostrophes:
        text = _ANY_APOSTROPHE.sub("'", text)
    else:
        text = _APOSTROPHE_IN_WORD.sub("", text)
    if _HAS_LEET.search(text):
        text = _LEET_CANDIDATE.sub(_unleet_token, text)
    text = _SPACED_LETTERS.sub(_join_spaced, text)
    text = _REPEATS.sub(r"\1", text)
    text = _MISSPELLING_RE.sub(lambda m: _MISSPELLINGS[m.group(1)], text)
    text = _OVERDOES.sub("overdose", text)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    return text.strip()


def normalise(text: str) -> str:
    """The form the lexicon reads: NFKC, casefolded, disguises undone (never raises).

    >>> normalise("I want to K1LL myself")
    'i want to kill myself'
    >>> normalise("he's OD'ing, lips are blue")
    'hes oding, lips are blue'
    """
    try:
        return normalise_text(text)
    except Exception:  # pragma: no cover - defensive: normalising must never break the screen
        return str(text).casefold() if isinstance(text, str) else ""


_ELLIPSIS = re.compile(r"\.{2,}|…")
_SENTENCE_END = re.compile(r"[.!?;\n]+")
_NON_WORD = re.compile(r"[^\w.]+|_")


def match_form(normalised: str) -> str:
    """Words separated by single spaces; sentence ends become a ' . ' token that phrases do not cross."""
    text = _ELLIPSIS.sub(" ", normalised)
    text = _SENTENCE_END.sub(" . ", text)
    text = _NON_WORD.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return f" {text} "
