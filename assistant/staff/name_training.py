"""Teaching the redactor's entity recogniser how visitors write names: `python -m assistant train-names`.

spaCy's small English model was trained on news and web text, where names are capitalised and
introduced; visitors type "went to group with kayla", "sky wants to know", "- marcus". On three blind
sets its names, with every cue this project added (pii_patterns.py), were removed 67–74% of the time
(docs/privacy.md). Here its entity recogniser (its own layer; the rest of the pipeline is not loaded)
is updated on chat messages with their names marked:
- ``data/names_training.yaml``: messages written for training by helpers who never saw the redactor
  or any evaluation set;
- the labelled PII sets whose first contact is recorded (``TUNING_SETS``); a blind set written later
  is never read here before its first-contact figures are in docs/privacy.md.
The model's other entities are kept: each message's target is the original model's own entities,
less its PERSON spans, plus the marked names (so it does not forget places and dates while it learns
names). The result, ``data/names_ner/`` (cfg, model, moves), replaces the model's entity recogniser
when the redactor loads; ``names_ner.json`` records the files' sha256 and what they were trained on,
and a test fails when the training data changed and the recogniser was not retrained.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

from assistant.staff.redact import NAMES_DIR as OUT_DIR

DATA_DIR = OUT_DIR.parent
TRAINING_FILE = DATA_DIR / "names_training.yaml"
RECORD = DATA_DIR / (OUT_DIR.name + ".json")  # where the redactor reads the files' sha256
ROOT = Path(__file__).resolve().parent.parent.parent
TUNING_SETS = ("benchmarks/data/pii_dev.yaml", "knowledge/eval/blind/2026-12-01-pii.yaml",
               "knowledge/eval/blind/2026-12-01b-pii.yaml", "knowledge/eval/blind/2026-12-02c-pii.yaml",
               "knowledge/eval/blind/2026-12-02d-pii.yaml", "knowledge/eval/blind/2026-12-02e-pii.yaml",
               "knowledge/eval/blind/2026-12-02f-pii.yaml", "knowledge/eval/blind/2026-12-02g-pii.yaml",
               "knowledge/eval/blind/2026-12-02h-pii.yaml", "knowledge/eval/blind/2026-12-02i-pii.yaml",
               "knowledge/eval/blind/2026-12-02j-pii.yaml", "knowledge/eval/blind/2026-12-03k-pii.yaml",
               "knowledge/eval/blind/2026-12-03l-pii.yaml", "knowledge/eval/blind/2026-12-03m-pii.yaml",
               "knowledge/eval/blind/2026-12-03n-pii.yaml", "knowledge/eval/blind/2026-12-03o-pii.yaml",
               "knowledge/eval/blind/2026-12-03q-pii.yaml")
# Rehearsal: 1,500 messages drawn once from the crisis classifier's training file (slang, drugs, other
# languages; written without names), whose target is the original model's own entities, so that the
# recogniser does not learn that any rare lowercase word is a name ("took xans", "cold turkey"). Kept in a
# file of their own: crisis training data added later must not change what this recogniser learnt from.
REHEARSAL_FILE = DATA_DIR / "names_rehearsal.yaml"
REHEARSAL = 1500
EPOCHS = 12
DROPOUT = 0.3
BATCH = 16
SEED = 0
FILES = ("cfg", "model", "moves")


def messages(root: Path = ROOT) -> list[tuple[str, list[str]]]:
    """(text, the names in it) for every training message."""
    import yaml

    found = []
    for path in (TRAINING_FILE, *(root / name for name in TUNING_SETS)):
        for message in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            names = [d for d, kind in zip(message.get("pii") or [], message.get("kinds") or []) if kind == "name"]
            found.append((message["text"], names))
    return found


def rehearsal_texts() -> list[str]:
    import yaml

    return list(yaml.safe_load(REHEARSAL_FILE.read_text(encoding="utf-8"))["texts"])[:REHEARSAL]


def _unchanged(nlp, text: str):
    """A rehearsal example: the original model's entities are the target."""
    from spacy.training import Example

    predicted = nlp(text)
    reference = nlp.make_doc(text)
    reference.ents = [reference.char_span(e.start_char, e.end_char, label=e.label_) for e in predicted.ents]
    return Example(nlp.make_doc(text), reference)


def digest(found: list[tuple[str, list[str]]]) -> str:
    payload = json.dumps([sorted((text, sorted(names)) for text, names in found), rehearsal_texts(),
                          [EPOCHS, DROPOUT, BATCH, SEED, REHEARSAL]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def name_spans(text: str, names: list[str]) -> list[tuple[int, int]]:
    """Every whole-word occurrence of each marked name."""
    spans = []
    for name in names:
        for match in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text):
            spans.append((match.start(), match.end()))
    return sorted(set(spans))


def _target(nlp, text: str, names: list[str]):
    """The example to learn from: the model's own entities less PERSON, plus the marked names."""
    from spacy.training import Example

    predicted = nlp(text)
    gold = name_spans(text, names)
    entities = [(s, e, "PERSON") for s, e in gold]
    for ent in predicted.ents:
        if ent.label_ != "PERSON" and not any(s < ent.end_char and ent.start_char < e for s, e in gold):
            entities.append((ent.start_char, ent.end_char, ent.label_))
    doc = nlp.make_doc(text)
    spans, taken = [], set()
    for start, end, label in sorted(entities):
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None and not taken & set(range(span.start, span.end)):
            spans.append(span)
            taken |= set(range(span.start, span.end))
    reference = nlp.make_doc(text)
    reference.ents = [reference.char_span(s.start_char, s.end_char, label=s.label_, alignment_mode="expand")
                      for s in spans]
    return Example(doc, reference)


def train(found: list[tuple[str, list[str]]], out_dir: Path = OUT_DIR, record: Path = RECORD) -> dict:
    import spacy
    from spacy.util import fix_random_seed, minibatch

    from assistant.pinned import check_pinned_files
    from assistant.staff.redact import MODEL_FILES, NOT_LOADED, model_dir

    folder = model_dir()
    check_pinned_files(folder, MODEL_FILES, "language model")
    fix_random_seed(SEED)
    nlp = spacy.load(folder, exclude=NOT_LOADED)
    examples = [_target(nlp, text, names) for text, names in found]
    examples += [_unchanged(nlp, text) for text in rehearsal_texts()]
    optimizer = nlp.resume_training()
    rng = random.Random(SEED)
    losses_by_epoch = []
    for _ in range(EPOCHS):
        rng.shuffle(examples)
        losses: dict = {}
        for batch in minibatch(examples, size=BATCH):
            nlp.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
        losses_by_epoch.append(round(float(losses.get("ner", 0.0)), 2))
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.get_pipe("ner").to_disk(out_dir, exclude=["vocab"])
    files = {name: hashlib.sha256((out_dir / name).read_bytes()).hexdigest() for name in FILES}
    summary = {"trained_on": digest(found), "messages": len(found), "losses": losses_by_epoch, "files": files}
    record.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
