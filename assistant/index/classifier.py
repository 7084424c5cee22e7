"""An entry classifier trained on the knowledge's own phrasings (questions, alternates, answers).

Nearest-view search treats every phrasing alone; a softmax regression over the same
embeddings learns which directions separate one entry from its neighbours (the seed's
entries all talk about "group therapy", so that shared direction says little). Trained
at build time on the staff's text only, never on evaluation or visitor queries. Its
probability is one term of the ranking score (retrieval.py); measured gain in docs/answer-quality.md.

When the knowledge lists questions it does not answer (`not_covered:`), a second, binary
model learns to tell them from the knowledge's own phrasings: a question near those ("how
much does group therapy cost") gets a high probability, which the ranking subtracts, so the
policy falls back instead of showing the entry that merely shares its topic. It is kept apart
from the entry classifier: as one more class there, it took probability from entries that sit
near a not-covered topic ("one to one sessions" near "book a counsellor"), and those fell back.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.errors import IndexError_

CLASSIFIER = "classifier.npz"
NOT_COVERED = "not_covered.npz"

# Above this many entries the classifier is skipped (training cost grows with entries x views).
MAX_ENTRIES = 1000
# The not-covered detector trains on at most this many of the knowledge's vectors (a seeded sample).
DETECTOR_SAMPLE = 20_000
SCALE = 10.0  # cosine-scale embeddings -> logits
EPOCHS = 400
LEARNING_RATE = 0.5
L2 = 1e-3


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


def train_entry_classifier(vectors: np.ndarray, view_entry: np.ndarray, n_entries: int):
    """Full-batch gradient descent (deterministic). Returns (weights, bias) or None if too large."""
    if n_entries < 2 or n_entries > MAX_ENTRIES or len(vectors) == 0:
        return None
    features = vectors.astype(np.float64) * SCALE
    targets = np.eye(n_entries)[view_entry]
    weights = np.zeros((features.shape[1], n_entries))
    bias = np.zeros(n_entries)
    for _ in range(EPOCHS):
        gradient = (_softmax(features @ weights + bias) - targets) / len(features)
        weights -= LEARNING_RATE * (features.T @ gradient + L2 * weights)
        bias -= LEARNING_RATE * gradient.sum(axis=0)
    return weights.astype(np.float32), bias.astype(np.float32)


def entry_probabilities(classifier, query_vectors: np.ndarray) -> np.ndarray | None:
    """Probability per entry: the best over the query's variants (e.g. spelling-corrected)."""
    if classifier is None:
        return None
    weights, bias = classifier
    return _softmax(query_vectors * SCALE @ weights + bias).max(axis=0)


def train_not_covered_detector(knowledge_vectors: np.ndarray, not_covered_vectors: np.ndarray):
    """Logistic regression, not covered (1) against the knowledge's phrasings (0): (weights, bias),
    or None without not-covered questions. Deterministic, like the entry classifier."""
    if len(not_covered_vectors) == 0 or len(knowledge_vectors) == 0:
        return None
    if len(knowledge_vectors) > DETECTOR_SAMPLE:
        chosen = np.random.default_rng(0).choice(len(knowledge_vectors), DETECTOR_SAMPLE, replace=False)
        knowledge_vectors = knowledge_vectors[np.sort(chosen)]
    features = np.vstack([knowledge_vectors, not_covered_vectors]).astype(np.float64) * SCALE
    targets = np.r_[np.zeros(len(knowledge_vectors)), np.ones(len(not_covered_vectors))]
    weights = np.zeros(features.shape[1])
    bias = 0.0
    for _ in range(EPOCHS):
        gradient = (_sigmoid(features @ weights + bias) - targets) / len(features)
        weights -= LEARNING_RATE * (features.T @ gradient + L2 * weights)
        bias -= LEARNING_RATE * gradient.sum()
    return weights.astype(np.float32), np.float32(bias)


def not_covered_probability(detector, query_vectors: np.ndarray) -> float:
    """How likely the question is one the knowledge does not answer (0 without a detector). The
    lowest over its variants (as typed, spelling-corrected): a typo that only the corrected copy
    resolves is not held against the question."""
    if detector is None:
        return 0.0
    weights, bias = detector
    return float(_sigmoid(np.atleast_2d(query_vectors) * SCALE @ weights + bias).min())


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))


def save_classifier(directory: Path, classifier) -> None:
    if classifier is not None:
        np.savez(directory / CLASSIFIER, weights=classifier[0], bias=classifier[1])


def load_classifier(directory: Path, dimension: int, entries: int):
    """The entry classifier of a build, or None when it has none (large knowledge)."""
    path = directory / CLASSIFIER
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            classifier = (data["weights"], data["bias"])
    except Exception as exc:
        raise IndexError_(f"{path}: unreadable ({exc}); rebuild") from None
    if classifier[0].shape != (dimension, entries):
        raise IndexError_(f"{path}: shape disagrees with the manifest; rebuild")
    return classifier


def save_detector(directory: Path, detector, texts=()) -> None:
    """The detector, and the `not_covered:` questions it learnt from (crosslingual.py compares with them)."""
    if detector is not None:
        np.savez(directory / NOT_COVERED, weights=detector[0], bias=np.asarray(detector[1]),
                 texts=np.array(list(texts), dtype=str))


def load_detector(directory: Path, dimension: int):
    path = directory / NOT_COVERED
    try:
        with np.load(path, allow_pickle=False) as data:
            detector = (data["weights"], data["bias"][()])
            texts = tuple(str(t) for t in data["texts"]) if "texts" in data.files else ()  # older builds: none
    except Exception as exc:
        raise IndexError_(f"{path}: unreadable ({exc}); rebuild") from None
    if detector[0].shape != (dimension,):
        raise IndexError_(f"{path}: shape disagrees with the manifest; rebuild")
    return detector, texts
