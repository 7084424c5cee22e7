"""The ONNX serving encoder gives the reference model's vectors, without torch, and refuses stale exports."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant import onnx_encoder
from assistant.embedding import DIMENSION, MODEL_NAME, WEIGHTS_SHA256, model_dir
from assistant.errors import ModelError
from assistant.onnx_encoder import OnnxEmbedder, ensure_onnx, onnx_path, sidecar_path, stale_reason

from .conftest import KNOWLEDGE, ROOT, SEED_SET

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


def test_the_varied_set_covers_what_it_claims(embedder):
    assert len(TEXTS) >= 200
    tokens = [len(embedder._model.preprocess([t])["input_ids"][0]) for t in TEXTS]
    assert sum(n >= 256 for n in tokens) >= 6, "several texts must hit the 256-token truncation"
    assert "" in TEXTS


def test_same_interface_as_the_reference(onnx_embedder, embedder):
    assert onnx_embedder.name == embedder.name == MODEL_NAME
    assert onnx_embedder.dimension == embedder.dimension == DIMENSION
    assert onnx_embedder.weights_sha256 == embedder.weights_sha256 == WEIGHTS_SHA256
    empty = onnx_embedder.encode([])
    assert empty.shape == (0, DIMENSION) and empty.dtype == np.float32
    with pytest.raises(TypeError):
        onnx_embedder.encode("one string")


def test_tokens_match_sentence_transformers_including_truncation(onnx_embedder, embedder):
    for text in TEXTS:
        want = embedder._model.preprocess([text])["input_ids"][0].tolist()
        got = onnx_embedder._tokenizer.encode(text).ids
        assert got == want, text[:60]


def test_parity_with_the_reference_in_fp32(onnx_embedder, reference_vectors):
    vectors = onnx_embedder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSION) and vectors.dtype == np.float32
    assert vectors.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * reference_vectors).sum(axis=1)
    worst = int(np.argmin(cosine))
    assert cosine[worst] >= 0.999, f"cosine {cosine[worst]:.6f} for {TEXTS[worst][:60]!r}"


def test_batch_and_single_give_the_same_vectors(onnx_embedder):
    batched = onnx_embedder.encode(TEXTS, batch_size=64)
    small_batches = onnx_embedder.encode(TEXTS, batch_size=7)
    single = np.vstack([onnx_embedder.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(small_batches, batched, atol=1e-5)
    np.testing.assert_allclose(single, batched, atol=1e-5)


def test_concurrent_calls_need_no_lock(onnx_embedder):
    from concurrent.futures import ThreadPoolExecutor

    texts = TEXTS[:80]
    want = np.vstack([onnx_embedder.encode([t]) for t in texts])
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = np.vstack(list(pool.map(lambda t: onnx_embedder.encode([t]), texts)))
    np.testing.assert_array_equal(got, want)


def test_overlapping_calls_on_the_serving_setup_give_the_same_vectors(onnx_cache, onnx_embedder):
    """Serving: 2 threads for a lone call, a one-thread session for calls that overlap it."""
    from concurrent.futures import ThreadPoolExecutor

    serving = OnnxEmbedder.load(cache_dir=onnx_cache, threads=2, busy_single_thread=True)
    assert serving._busy_session is not None
    texts = TEXTS[:80]
    want = np.vstack([onnx_embedder.encode([t]) for t in texts])
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = np.vstack(list(pool.map(lambda t: serving.encode([t]), texts)))
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert serving._in_flight == 0


def test_the_export_is_fused(onnx_cache):
    import onnx

    record = json.loads(sidecar_path(onnx_path(onnx_cache)).read_text())
    assert record["fused"] is True
    ops = {node.op_type for node in onnx.load(str(onnx_path(onnx_cache))).graph.node}
    assert "Attention" in ops and "SkipLayerNormalization" in ops


@pytest.mark.parametrize("value, expected", [("1", 1), ("3", 3), ("", None)])
def test_encoder_threads_setting(monkeypatch, value, expected):
    import os

    from assistant.embedding import encoder_threads

    monkeypatch.setenv("ASSISTANT_ENCODER_THREADS", value)
    assert encoder_threads() == (expected or max(1, min(2, os.cpu_count() or 1)))


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_encoder_threads_setting_is_a_clear_error(monkeypatch, value):
    from assistant.embedding import encoder_threads
    from assistant.errors import ModelError

    monkeypatch.setenv("ASSISTANT_ENCODER_THREADS", value)
    with pytest.raises(ModelError, match="ASSISTANT_ENCODER_THREADS"):
        encoder_threads()


def test_serving_path_never_imports_torch(onnx_cache):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from assistant.onnx_encoder import OnnxEmbedder\n"
        "e = OnnxEmbedder.load(cache_dir=Path(sys.argv[1]))\n"
        "assert e.encode(['how long is aftercare', 'hi']).shape == (2, 384)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('torch', 'sentence_transformers', 'transformers', 'onnx'))\n"
        "assert not heavy, heavy\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["HF_HUB_OFFLINE"] = "1"
    result = subprocess.run([sys.executable, "-c", script, str(onnx_cache)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_a_warm_cache_only_stats_the_big_files(cache_copy, monkeypatch):
    def no_hashing(*args, **kwargs):
        raise AssertionError("hashed a 90 MB file although the sidecar's stats match")

    monkeypatch.setattr(onnx_encoder, "verify_weights", no_hashing)
    monkeypatch.setattr(onnx_encoder, "_file_sha256", no_hashing)
    assert OnnxEmbedder.load(cache_dir=cache_copy).weights_sha256 == WEIGHTS_SHA256


def test_changed_stats_are_hashed_again_then_cached(cache_copy, tmp_path, monkeypatch):
    models = tmp_path / "model"
    shutil.copytree(model_dir(), models)  # same bytes, other path and mtime
    calls = []
    real = onnx_encoder.verify_weights
    monkeypatch.setattr(onnx_encoder, "verify_weights", lambda d: calls.append(d) or real(d))
    OnnxEmbedder.load(models, cache_copy)
    OnnxEmbedder.load(models, cache_copy)
    assert calls == [models]


def test_tampered_weights_are_refused(cache_copy, tmp_path):
    models = tmp_path / "model"
    shutil.copytree(model_dir(), models)
    with open(models / "model.safetensors", "r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
        handle.seek(-1, os.SEEK_END)
        handle.write(bytes([last[0] ^ 1]))
    with pytest.raises(ModelError, match="does not match the expected"):
        OnnxEmbedder.load(models, cache_copy)


def test_missing_export_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="missing.*export-onnx"):
        OnnxEmbedder.load(cache_dir=tmp_path / "empty")


@pytest.mark.parametrize("change", ["source_weights_sha256", "onnx_sha256", "max_seq_length", "format", "garbage"])
def test_a_stale_sidecar_is_refused(cache_copy, change):
    sidecar = sidecar_path(onnx_path(cache_copy))
    if change == "garbage":
        sidecar.write_text("{not json")
    else:
        data = json.loads(sidecar.read_text())
        data[change] = 0 if change in ("max_seq_length", "format") else "0" * 64
        sidecar.write_text(json.dumps(data))
    assert stale_reason(cache_copy) is not None
    with pytest.raises(ModelError, match="export-onnx"):
        OnnxEmbedder.load(cache_dir=cache_copy)


def test_ensure_onnx_re_exports_a_corrupted_file_identically(cache_copy, onnx_embedder):
    target = onnx_path(cache_copy)
    original = json.loads(sidecar_path(target).read_text())["onnx_sha256"]
    with open(target, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="sha256 does not match.*export-onnx"):
        OnnxEmbedder.load(cache_dir=cache_copy)
    assert ensure_onnx(cache_copy) == target
    assert json.loads(sidecar_path(target).read_text())["onnx_sha256"] == original  # deterministic export
    assert stale_reason(cache_copy) is None
    reloaded = OnnxEmbedder.load(cache_dir=cache_copy)
    texts = ["what is aftercare", "hi"]
    np.testing.assert_array_equal(reloaded.encode(texts), onnx_embedder.encode(texts))
    assert sorted(p.name for p in cache_copy.iterdir()) == [target.name, sidecar_path(target).name]
