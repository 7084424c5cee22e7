"""An entry classifier trained on the knowledge's own phrasings (questions, alternates, answers).

Nearest-view search treats every phrasing alone; a softmax regression over the same
embeddings learns which directions separate one entry from its neighbours (the seed's
entries all talk about "group therapy", so that shared direction says little). Trained
at build time on the staff's text only, never on evaluation or visitor queries. Its
probability is one term of the ranking score (retrieval.py); measured gain in README.
"""
from __future__ import annotations

import numpy as np

# Above this many entries the classifier is skipped (training cost grows with entries x views).
MAX_ENTRIES = 1000
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
