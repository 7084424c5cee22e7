"""The ONNX export: made once per model, verified on every load, refused when stale or tampered with."""
from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from assistant.encoders import export as onnx_encoder
from assistant.encoders.export import ensure_onnx, onnx_path, sidecar_path, stale_reason
from assistant.encoders.model import WEIGHTS_SHA256, model_dir
from assistant.encoders.onnx import OnnxEmbedder
from assistant.errors import ModelError


def test_the_export_is_fused(onnx_cache):
    import onnx

    record = json.loads(sidecar_path(onnx_path(onnx_cache)).read_text())
    assert record["fused"] is True
    ops = {node.op_type for node in onnx.load(str(onnx_path(onnx_cache))).graph.node}
    assert "Attention" in ops and "SkipLayerNormalization" in ops


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
    monkeypatch.setattr(onnx_encoder, "verify_weights", lambda d, *spec: calls.append(d) or real(d, *spec))
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
