"""Answer-quality probe (issue #18, not part of `make bench`): would a small linear map on top of MiniLM's
vectors, learnt from the knowledge's own phrasings, lift right-answer-first under the wrong-answer bar?

Fine-tuning MiniLM itself lifted holdout on 2026-11-30 (finetune_probe.py), but a fine-tuned model cannot be
shipped: models come from PyPI with pinned hashes, and the crisis classifier reads stock MiniLM vectors. A
384 x 384 map applied after the model is a 0.6 MB array that could sit beside the index, leaves the crisis
screen's vectors alone, and costs one matrix product a question.

Training data is staff text only: each entry's question and alternates are pulled towards its titled answer
(softmax over every entry, scale 20), starting from the identity, with an L2 pull back to it. Never an
evaluation question. The policy is then chosen on tune by `calibrate` (both of #18's bars), as `eval
--calibrate` does, and the held-out splits are read with it. Nothing is written.

    .venv/bin/python research/adapter_probe.py [epochs ...]
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SCALE, LEARNING_RATE, PULL_TO_IDENTITY, BATCH, SEED = 20.0, 1e-3, 1.0, 32, 0


class Mapped:
    """The project's encoder with a linear map after it (vectors L2-normalised again)."""

    def __init__(self, base, matrix: np.ndarray, tag: str):
        self._base, self._matrix = base, matrix.astype(np.float32)
        self.cache_tag = f"{base.cache_tag}+{tag}"

    def __getattr__(self, name):
        return getattr(self._base, name)

    def _map(self, vectors: np.ndarray) -> np.ndarray:
        mapped = vectors @ self._matrix.T
        return (mapped / np.linalg.norm(mapped, axis=1, keepdims=True)).astype(np.float32)

    def encode(self, texts, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return self._map(self._base.encode(texts, batch_size=batch_size, progress=progress))

    def encode_corpus(self, texts, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return self._map(self._base.encode_corpus(texts, batch_size=batch_size, progress=progress))


def learn_map(base, entries, epochs: int) -> np.ndarray:
    import torch

    torch.manual_seed(SEED)
    anchors = [(text, i) for i, e in enumerate(entries) for text in (e.heading, *e.alternates)]
    anchor_vectors = torch.tensor(base.encode_corpus([t for t, _ in anchors]))
    labels = torch.tensor([i for _, i in anchors])
    targets = torch.tensor(base.encode_corpus([f"{e.heading}\n{e.answer}" for e in entries]))
    dimension = anchor_vectors.shape[1]
    matrix = torch.eye(dimension, requires_grad=True)
    optimiser = torch.optim.Adam([matrix], lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(SEED)
    for _ in range(epochs):
        order = torch.randperm(len(anchors), generator=generator)
        for start in range(0, len(anchors), BATCH):
            batch = order[start:start + BATCH]
            mapped = torch.nn.functional.normalize(anchor_vectors[batch] @ matrix.T, dim=1)
            mapped_targets = torch.nn.functional.normalize(targets @ matrix.T, dim=1)
            loss = torch.nn.functional.cross_entropy(mapped @ mapped_targets.T * SCALE, labels[batch])
            loss = loss + PULL_TO_IDENTITY * ((matrix - torch.eye(dimension)) ** 2).sum() / dimension
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return matrix.detach().numpy()


def report(label: str, encoder, knowledge) -> None:
    from assistant.evaluation import answers as evaluation
    from assistant.index import index_entries
    from assistant.retrieval import Retriever
    from assistant.settings import Settings

    memory = index_entries(list(knowledge.entries), encoder, not_covered=knowledge.not_covered)
    retriever = Retriever.from_settings(memory, Settings())
    sets = [ROOT / path for path in evaluation.LABELLED_SETS]
    chosen, _, _ = evaluation.calibrate(retriever, encoder, memory.entries, Settings(), sets)
    labelled = evaluation.load_seed_set(sets)
    ranked = evaluation.rank_all(retriever, encoder, [q.query for q in labelled])
    policy = ", ".join(f"{getattr(chosen, n):.2f}" for n in
                       ("min_score", "min_margin", "confident_score", "unknown_word_penalty", "not_covered_weight"))
    print(f"{label}: policy from tune ({policy})", flush=True)
    for split in ("tune", "holdout", "fresh"):
        pairs = [(q, r) for q, r in zip(labelled, ranked) if q.split == split]
        result = evaluation.score_seed([q for q, _ in pairs], [r for _, r in pairs], memory.entries, chosen, split)
        print(f"  {split:8} top-1 {result.top1:.3f}  right first {result.answered_correctly:.3f}  "
              f"wrong {result.answered_wrong:.3f}  out of scope falls back {result.abstention:.3f}", flush=True)


def main() -> None:
    from assistant.encoders.reference import shared_embedder
    from assistant.knowledge import load_knowledge

    os.chdir(ROOT)
    knowledge = load_knowledge(ROOT / "knowledge")
    base = shared_embedder()
    report("MiniLM as shipped", base, knowledge)
    for epochs in [int(a) for a in sys.argv[1:]] or [5, 20]:
        matrix = learn_map(base, list(knowledge.entries), epochs)
        drift = float(np.linalg.norm(matrix - np.eye(matrix.shape[0])) / np.sqrt(matrix.shape[0]))
        report(f"with a learnt map, {epochs} epochs (drift from identity {drift:.3f})",
               Mapped(base, matrix, f"map{epochs}"), knowledge)


if __name__ == "__main__":
    main()
