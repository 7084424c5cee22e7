"""Answer-quality probe (not part of `make bench`): would fine-tuning MiniLM on the knowledge's own
phrasings help retrieval on the evaluation sets?

Trains a copy of the model, in memory only, to pull each entry's question and alternates towards
that entry's "title + answer" text (in-batch softmax over the entries' answers, scale 20, AdamW
2e-5, batches of 16, 3 epochs: staff text only, never evaluation questions), rebuilds the index in
memory with it, and prints top-1 and the tune-calibrated policy on every split next to the shipped
model, and then a third time with the crisis screen's exemplars held where the shipped model puts
them (a cosine penalty while training). Nothing is written. About three minutes on 2 cores.

    .venv/bin/python research/finetune_probe.py [epochs] [--answers-only]

`--answers-only` (2026-12-04): the shipped and the fine-tuned model on the answer sets only, no crisis set and no
third run. Since 2026-12-02 a server whose answering model is not the stock MiniLM screens with the stock MiniLM
beside it (engine.py, `_screen_encoder`), so a fine-tuned answering model would no longer move the screen; the
question left is whether it still lifts the answers in today's pipeline (entry classifier, shorthand, spelling,
the policy with both of #18's bars).

Measured 2026-11-30 (research/README.md): top-1 tune / holdout / fresh 0.889 / 0.811 / 0.900
-> 0.922-0.944 / 0.833-0.867 / 0.900-0.929 (training on CPU is not bit-for-bit repeatable); with
thresholds recalibrated on tune, right answer first on holdout 0.778 -> 0.856 and on fresh
0.857 -> 0.929, out-of-scope falling back 1.000 -> 0.966 and 0.953 -> 0.953. The crisis screen's
semantic layer shares the model: on the fine-tuned one it detected 285 of the 288 crisis messages
(the shipped model: 288) with 4 false alarms against 2; with the exemplars held in place, 286-287
with 3 (two runs that sampled the exemplars differently; holdout right answer first 0.844, fresh
0.914-0.929). Either way a fine-tuned model could not also serve the screen.
"""
from __future__ import annotations

import copy
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


class _Encoder:
    """A SentenceTransformer behind the project's encoder interface (vectors L2-normalised)."""

    dimension, name, weights_sha256, cache_tag, build_batch = 384, "probe", "probe", "probe", 64

    def __init__(self, model):
        self.model = model

    def encode(self, texts, batch_size=64, progress=False):
        return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True)

    encode_corpus = encode


def report(label: str, model, knowledge, crisis_too: bool = True) -> None:
    from assistant.evaluation import answers as evaluation
    from assistant.index import index_entries
    from assistant.retrieval import Retriever
    from assistant.settings import Settings

    encoder = _Encoder(model)
    memory = index_entries(list(knowledge.entries), encoder, not_covered=knowledge.not_covered)
    retriever = Retriever.from_settings(memory, Settings())
    sets = [ROOT / path for path in evaluation.LABELLED_SETS]
    chosen, tuned, held_out = evaluation.calibrate(retriever, encoder, memory.entries, Settings(), sets)
    labelled = evaluation.load_seed_set(sets)
    ranked = evaluation.rank_all(retriever, encoder, [q.query for q in labelled])
    print(f"{label}: thresholds from tune min_score {chosen.min_score}, min_margin {chosen.min_margin}, "
          f"confident_score {chosen.confident_score}, penalties {chosen.unknown_word_penalty} / {chosen.not_covered_weight}")
    for name, result in (("tune", tuned), ("held out (holdout + fresh)", held_out)):  # as `eval --calibrate` scores them
        print(f"  calibrated, {name}: right answer first {result.answered_correctly:.3f}  wrong {result.answered_wrong:.3f}"
              f"  out-of-scope falls back {result.abstention:.3f}")
    if crisis_too:
        print_crisis(encoder)
    # Below: each split with the chosen thresholds over the ranking built with Settings()' penalties (not the chosen ones).
    for split in ("tune", "holdout", "fresh"):
        pairs = [(q, r) for q, r in zip(labelled, ranked) if q.split == split]
        result = evaluation.score_seed([q for q, _ in pairs], [r for _, r in pairs], memory.entries, chosen, split)
        print(f"  {split:8} top-1 {result.top1:.3f}  right answer first {result.answered_correctly:.3f}  "
              f"wrong {result.answered_wrong:.3f}  out-of-scope falls back {result.abstention:.3f}")


def print_crisis(encoder) -> None:
    crisis = crisis_on(encoder)
    print(f"  crisis set (the screen's semantic layer on this model): {crisis.splits['all']['detected']} of "
          f"{crisis.splits['all']['crisis']} detected, {len(crisis.misses)} missed, "
          f"{len(crisis.false_alarms)} false alarms; caught by the semantic layer alone: {crisis.layers.get('semantic', 0)}")
    for miss in crisis.misses:
        print(f"    missed: {miss['text']!r}")


def crisis_on(encoder):
    """The crisis set screened with this model under the semantic layer: it shares the encoder,
    so a fine-tuned model would change what it catches."""
    from assistant.crisis import CrisisScreen
    from assistant.evaluation.crisis import evaluate_crisis

    screen = CrisisScreen.load(ROOT / "knowledge")
    screen.attach_encoder(encoder.encode)
    return evaluate_crisis(screen, ROOT / "knowledge" / "eval" / "crisis_messages.yaml", timing=False)


KEEP_WEIGHT = 10.0  # chosen before looking at the crisis set, not tuned on it


def fine_tuned(base, knowledge, epochs: int, keep: list[str] | None = None):
    """`keep`: texts whose embeddings should stay where the shipped model puts them (a cosine
    penalty, weight KEEP_WEIGHT, on 32 of them each step), e.g. the crisis screen's exemplars."""
    import torch

    torch.manual_seed(0)
    rng = random.Random(0)
    model = copy.deepcopy(base)
    model.train()
    entries = list(knowledge.entries)
    anchors = [(text, i) for i, e in enumerate(entries) for text in (e.heading, *e.alternates)]
    answers = [f"{e.heading}\n{e.answer}" for e in entries]
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-5)

    def embed(texts):
        return torch.nn.functional.normalize(model(model.preprocess(texts))["sentence_embedding"], dim=1)

    if keep:
        picker = random.Random(1)  # its own stream: the anchors are shuffled as in the run without `keep`
        with torch.no_grad():
            model.eval()
            targets = embed(keep)
            model.train()

    for _ in range(epochs):
        rng.shuffle(anchors)
        for start in range(0, len(anchors), 16):
            batch = anchors[start:start + 16]
            logits = embed([text for text, _ in batch]) @ embed(answers).T * 20
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor([i for _, i in batch]))
            if keep:
                held = picker.sample(range(len(keep)), min(32, len(keep)))
                drift = 1 - (embed([keep[i] for i in held]) * targets[held]).sum(dim=1)
                loss = loss + KEEP_WEIGHT * drift.mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    return model


def main() -> None:
    from assistant.crisis import CrisisScreen
    from assistant.encoders.reference import shared_embedder
    from assistant.knowledge import load_knowledge

    numbers = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    epochs = int(numbers[0]) if numbers else 3
    answers_only = "--answers-only" in sys.argv
    os.chdir(ROOT)
    knowledge = load_knowledge(ROOT / "knowledge")
    base = shared_embedder()._model
    report("shipped model", base, knowledge, crisis_too=not answers_only)
    report(f"fine-tuned, {epochs} epochs", fine_tuned(base, knowledge, epochs), knowledge, crisis_too=not answers_only)
    if answers_only:
        return
    report(f"fine-tuned, {epochs} epochs, the crisis screen's exemplars held in place",
           fine_tuned(base, knowledge, epochs, keep=CrisisScreen.load(ROOT / "knowledge").exemplar_texts()), knowledge)


if __name__ == "__main__":
    main()
