"""Shared by the encoder tests: a varied set of texts and an exported model in a temporary cache."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.encoders.export import ensure_onnx, onnx_path, sidecar_path
from assistant.encoders.model import model_dir
from assistant.encoders.onnx import OnnxEmbedder
from tests.conftest import KNOWLEDGE, SEED_SET

LONG_ENGLISH = (
    "Aftercare is the support a person receives after finishing a residential or outpatient "
    "treatment program, and it usually includes group meetings, individual counselling, "
    "sober living arrangements, relapse prevention planning and regular check-ins with a "
    "case manager who helps with housing, work and family matters. "
) * 8


MIXED_TEXTS = [
    "",
    " ",
    "?",
    "...",
    "ok",
    "hi",
    "help",
    "AA",
    "NA meetings near me",
    "12-step",
    "SMART Recovery vs 12 step??",
    "WHAT IS AFTERCARE",
    "   leading and trailing spaces   ",
    "tabs\tand\nnewlines\r\nmixed",
    "wat iz aftercar 4 my bruther",
    "how lng does rehab tke",
    "grup therapy meaning",
    "i relpased after 90 days sober wat now",
    "is it normal to feel depresed in early recovry",
    "can my famly come to sesions",
    "do u have evening groups",
    "I'm scared 😟 what happens at the first meeting?",
    "🙏🙏🙏",
    "❤️ thank you",
    "recovery 💪 day 30 🎉",
    "call me 📞 +1 (555) 010-2030",
    "price $$$ ???",
    "e-mail: someone@example.org",
    "https://example.org/aftercare?lang=en&x=1",
    "C'est quoi un groupe de soutien ?",
    "¿Qué es la terapia de grupo?",
    "Was ist Nachsorge nach einer Suchtbehandlung?",
    "naïve café résumé coöperation",
    "Что такое групповая терапия?",
    "Πώς λειτουργεί η ομαδική θεραπεία;",
    "ما هو العلاج الجماعي للإدمان؟",
    "מה זה טיפול קבוצתי",
    "समूह चिकित्सा क्या है?",
    "集団療法とは何ですか？",
    "什么是团体治疗",
    "그룹 치료란 무엇입니까?",
    "กลุ่มบำบัดคืออะไร",
    "zero\u200bwidth\u200bspace",
    "soft\u00adhyphen and non\u00a0breaking space",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "supercalifragilisticexpialidocious " * 3,
    "a" * 300,
    "1234567890 " * 10,
    LONG_ENGLISH,
    "word " * 400,
    "滴" * 600,
    "recovery 😊 " * 200,
    "Привет, как дела? " * 120,
    ("antidisestablishmentarianism " * 60).strip(),
    LONG_ENGLISH + " 🎉" * 50,
]


def _varied_texts() -> list[str]:
    seed = yaml.safe_load(SEED_SET.read_text(encoding="utf-8"))
    queries = [case["query"] for section in ("in_scope", "out_of_scope") for case in seed[section]]
    faq = yaml.safe_load((KNOWLEDGE / "faq.yaml").read_text(encoding="utf-8"))["entries"]
    answers = [entry["answer"] for entry in faq]
    texts = list(dict.fromkeys(queries[::2] + answers + MIXED_TEXTS))
    return texts


TEXTS = _varied_texts()


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    """One export per session (several seconds with torch already imported)."""
    cache = tmp_path_factory.mktemp("model-cache")
    ensure_onnx(cache, model_dir())
    return cache


@pytest.fixture(scope="session")
def onnx_embedder(onnx_cache) -> OnnxEmbedder:
    return OnnxEmbedder.load(cache_dir=onnx_cache)


@pytest.fixture(scope="session")
def reference_vectors(embedder) -> np.ndarray:
    # sentence-transformers itself, past Embedder's corpus cache: parity is with the model.
    return embedder._model.encode(TEXTS, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)


@pytest.fixture
def cache_copy(onnx_cache, tmp_path) -> Path:
    copy = tmp_path / "cache"
    shutil.copytree(onnx_cache, copy)
    # copytree keeps mtimes but changes paths: re-key the cached checks to the copy's path,
    # as if the export had been written here.
    sidecar = sidecar_path(onnx_path(copy))
    data = json.loads(sidecar.read_text())
    data["onnx_check"]["path"] = str(onnx_path(copy).resolve())
    sidecar.write_text(json.dumps(data))
    return copy
