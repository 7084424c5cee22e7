"""The OpenVINO build encoder (fp32; bfloat16 changed a decision, see openvino.py) gives the reference model's vectors,
and an index it builds answers every evaluation question exactly as one built in fp32."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

from assistant.encoders import backend_setting
from assistant.encoders.model import DIMENSION, WEIGHTS_SHA256
from assistant.encoders.onnx import OnnxEmbedder
from assistant.encoders.openvino import OpenVinoEmbedder
from assistant.errors import ModelError
from tests.conftest import CRISIS_SET, FRESH_SET, KNOWLEDGE, SEED_SET
from tests.encoders.conftest import TEXTS


@pytest.fixture(scope="module")
def build_encoder(onnx_cache) -> OpenVinoEmbedder:  # noqa: F811
    return OpenVinoEmbedder.load(cache_dir=onnx_cache)


@pytest.mark.parametrize("precision", ["default", "f32"])
def test_parity_with_the_reference(onnx_cache, reference_vectors, precision):  # noqa: F811
    encoder = OpenVinoEmbedder.load(cache_dir=onnx_cache, precision=None if precision == "default" else precision)
    assert encoder.weights_sha256 == WEIGHTS_SHA256
    assert f"-{encoder.precision}-" in encoder.cache_tag  # vectors of another precision are never reused
    vectors = encoder.encode(TEXTS, batch_size=16)
    assert vectors.shape == (len(TEXTS), DIMENSION) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * reference_vectors).sum(axis=1)
    worst = int(np.argmin(cosine))
    assert cosine[worst] >= 0.999, f"{encoder.precision}: cosine {cosine[worst]:.6f} for {TEXTS[worst][:60]!r}"


def test_batches_run_two_at_a_time_give_the_same_vectors(onnx_cache, build_encoder):  # noqa: F811
    """Builds run batches on two streams at once, each finishing in its own order."""
    two_streams = OpenVinoEmbedder.load(cache_dir=onnx_cache, streams=2)
    texts = TEXTS * 2
    np.testing.assert_allclose(two_streams.encode(texts, batch_size=8), build_encoder.encode(texts, batch_size=8),
                               atol=2e-3)


def test_a_batch_that_fails_on_its_own_thread_fails_the_call(onnx_cache, monkeypatch):  # noqa: F811
    """A failure in OpenVINO's callback would otherwise leave rows of an index unwritten."""
    from assistant.encoders import openvino as openvino_encoder

    two_streams = OpenVinoEmbedder.load(cache_dir=onnx_cache, streams=2)
    calls = []
    real_pool = openvino_encoder.pool

    def failing_third(hidden, mask):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("simulated")
        return real_pool(hidden, mask)

    monkeypatch.setattr(openvino_encoder, "pool", failing_third)
    with pytest.raises(ModelError, match=r"embedded \d+ of 80 texts: simulated"):
        two_streams.encode(TEXTS[:80], batch_size=8)


def _questions() -> list[str]:
    questions = []
    for path in (SEED_SET, FRESH_SET):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        questions += [case["query"] for section in ("in_scope", "out_of_scope") for case in data[section]]
    return questions


def _crisis_messages() -> list[str]:
    data = yaml.safe_load(CRISIS_SET.read_text(encoding="utf-8"))
    return [case["text"] for section in ("crisis", "benign") for case in data[section]]


@pytest.fixture(scope="module")
def serving_encoder(onnx_cache) -> OnnxEmbedder:  # noqa: F811
    return OnnxEmbedder.load(cache_dir=onnx_cache, threads=2)


def test_an_openvino_build_makes_every_decision_the_reference_makes(
        tmp_path, build_encoder, serving_encoder, seed_index, embedder):
    """The rule for a reduced-precision encoder: every evaluation figure stays the same. Built with
    OpenVINO and answered by onnxruntime, as served, the assistant shows the same answers, in the same order, or falls back, on
    every labelled question, and the crisis screen decides the same on every labelled message, as
    the reference (sentence-transformers, fp32) build and encoder."""
    from assistant.engine import Assistant
    from assistant.index import build_index

    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    build_index(knowledge, tmp_path / "index", embedder=build_encoder, progress=False, log=lambda m: None)
    reduced = Assistant.load(knowledge, tmp_path / "index", embedder=serving_encoder)
    reference = Assistant.load(*seed_index, embedder=embedder)
    assert reduced.problem is None and reference.problem is None
    questions = _questions()
    assert len(questions) >= 400
    for question in questions:
        want, got = reference.ask(question).to_dict(), reduced.ask(question).to_dict()
        assert (got["kind"], [a["id"] for a in got["answers"]]) == \
            (want["kind"], [a["id"] for a in want["answers"]]), question
        if want["candidates"]:  # the score the thresholds read; lower candidates may trade places
            best, theirs = got["candidates"][0], want["candidates"][0]
            # Measured here: the largest gap 0.0101 (the classifier and the not-covered detector
            # are trained on the build's vectors). This catches gross drift; the decisions are the rule.
            assert best["id"] == theirs["id"] and abs(best["score"] - theirs["score"]) < 0.03, question
    messages = _crisis_messages()
    assert len(messages) >= 250
    for message in messages:
        want, got = reference.screen.screen(message), reduced.screen.screen(message)
        assert (got.detected, got.category) == (want.detected, want.category), message


@pytest.mark.parametrize("value, expected", [("", "auto"), ("OpenVINO", "openvino"), (" onnxruntime ", "onnxruntime")])
def test_backend_setting(monkeypatch, value, expected):
    monkeypatch.setenv("ASSISTANT_ENCODER_BACKEND", value)
    assert backend_setting() == expected


def test_a_bad_backend_setting_is_a_clear_error(monkeypatch):
    from assistant.encoders import build_encoder as bulk_embedder

    monkeypatch.setenv("ASSISTANT_ENCODER_BACKEND", "torch")
    with pytest.raises(ModelError, match="ASSISTANT_ENCODER_BACKEND='torch': expected one of auto, openvino"):
        bulk_embedder(lambda message: None)


@pytest.mark.parametrize("setting", ["auto", "openvino", "onnxruntime"])
def test_builds_use_the_backend_the_setting_and_cpu_call_for_and_answers_onnxruntime(monkeypatch, onnx_cache, setting):  # noqa: F811
    """Builds, auto: onnxruntime (fp32); OpenVINO (fp32) when asked. Answers: onnxruntime whatever the setting."""
    import assistant.encoders.chooser as chooser
    from assistant.encoders import build_encoder
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(onnx_cache))
    monkeypatch.setenv("ASSISTANT_ENCODER_BACKEND", setting)
    monkeypatch.setattr(chooser, "_serving", {})
    openvino = setting == "openvino"
    built, served = build_encoder(lambda message: None), chooser.serving_encoder()
    assert type(built) is (OpenVinoEmbedder if openvino else OnnxEmbedder)
    assert type(served) is OnnxEmbedder
    if openvino:
        assert built.streams >= 1 and built.precision == "f32"


def test_a_mistyped_backend_still_answers(monkeypatch, onnx_cache):  # noqa: F811
    """Only builds read the setting: a mistyped one never costs the answers."""
    import assistant.encoders.chooser as chooser

    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(onnx_cache))
    monkeypatch.setenv("ASSISTANT_ENCODER_BACKEND", "openvno")
    monkeypatch.setattr(chooser, "_serving", {})
    assert type(chooser.serving_encoder()) is OnnxEmbedder
