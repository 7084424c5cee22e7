"""English chat shorthand written out before retrieval reads a question: "wat is grp therapy 4 ppl"
is read as "what is group therapy for people".

Visitors type on phones. Their shorthand is not misspelling: "ppl" or "u" is too short, or too far in
spelling from the word meant, for retrieval's spelling correction, and the coverage penalty took each
one for a word the knowledge never uses, so such questions fell back although the right entry ranked
first (blind batches p-w at first contact: 27 of the 77 in-scope fallbacks had some).

Three rules, each conservative: a table of common shorthand (contractions' slang list, MIT, with the
usual phone forms added); "2" and "4" between two words ("have 2 go", "therapy 4 drugs") but not before
a count ("2 weeks"); and a dropped final g ("goin", "sharin") where the word with g is English and the
word without is not ("begin" and "cousin" stay). Only the English answering path uses it: the crisis
screen reads the message as typed, with its own normaliser.
"""
from __future__ import annotations

import re
from functools import lru_cache

SHORTHAND = {
    # contractions' slang_dict.json (contractions 0.1.73, MIT), the entries a question may hold
    "abt": "about", "altho": "although", "b4": "before", "bc": "because", "convo": "conversation",
    "diff": "different", "dunno": "do not know", "gonna": "going to", "gotta": "got to", "idk": "I do not know",
    "lemme": "let me", "msg": "message", "ppl": "people", "prolly": "probably", "rlly": "really", "rly": "really",
    "rn": "right now", "tbh": "to be honest", "tho": "though", "thx": "thanks", "u": "you", "wanna": "want to",
    # the usual phone forms besides
    "r": "are", "ur": "your", "y": "why", "w": "with", "n": "and", "ya": "you", "thru": "through",
    "wat": "what", "wut": "what", "wht": "what", "whut": "what", "wen": "when", "hw": "how", "hav": "have",
    "bcuz": "because", "cuz": "because", "coz": "because", "shud": "should", "cud": "could",
    "wud": "would", "pls": "please", "plz": "please", "sry": "sorry", "ty": "thank you",
    "grp": "group", "grps": "groups", "fam": "family", "bf": "boyfriend", "gf": "girlfriend",
    "some1": "someone", "sum1": "someone", "every1": "everyone", "evry1": "everyone", "any1": "anyone",
    "no1": "no one", "2day": "today", "2nite": "tonight", "tmrw": "tomorrow", "tmr": "tomorrow",
    "l8r": "later", "gr8": "great", "smth": "something", "sth": "something", "imo": "in my opinion",
}
# "2" and "4" read as words only between two words, and not before a count ("2 weeks", "4 times a week").
DIGIT_WORDS = {"2": "to", "4": "for"}
COUNTED = frozenset(
    "week weeks wk wks month months mo mos day days year years yr yrs hour hours hr hrs minute minutes min mins "
    "time times session sessions meeting meetings night nights x more or of".split())
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# A shorthand is a whole word: not a piece of "U.S.", "y'all", "w/o" or "R&B".
OPENS = frozenset(" \t\n(\"")
CLOSES = frozenset(" \t\n,?!;:)\"")


def _whole_word(text: str, start: int, end: int) -> bool:
    if start > 0 and text[start - 1] not in OPENS:
        return False
    if end == len(text) or text[end] in CLOSES:
        return True
    return text[end] == "." and (end + 1 == len(text) or text[end + 1].isspace())


@lru_cache(maxsize=4096)
def _dropped_g(word: str) -> str | None:
    if len(word) < 4 or not word.endswith("in"):
        return None
    from assistant.wordlist import english_words

    english = english_words()
    return word + "g" if word not in english and word + "g" in english else None


def written_out(text: str) -> str:
    """`text` with its chat shorthand replaced by the words meant; unchanged when it has none."""
    tokens = list(TOKEN.finditer(text))
    if not tokens:
        return text
    pieces, last = [], 0
    for i, match in enumerate(tokens):
        word = match.group(0)
        if len(word) > 1 and word.isupper():  # an acronym ("BC" is British Columbia), not shorthand
            continue
        lower = word.lower()
        meant = SHORTHAND.get(lower)
        if meant is None and lower in DIGIT_WORDS and 0 < i < len(tokens) - 1:
            before, after = tokens[i - 1].group(0), tokens[i + 1].group(0).lower()
            if before.isalpha() and after.isalpha() and after not in COUNTED:
                meant = DIGIT_WORDS[lower]
        if meant is None and lower.isalpha():
            meant = _dropped_g(lower)
        if meant is None or not _whole_word(text, match.start(), match.end()):
            continue
        if word[0].isupper():
            meant = meant[0].upper() + meant[1:]
        pieces.append(text[last:match.start()])
        pieces.append(meant)
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)
