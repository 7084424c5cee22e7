import hashlib

import pytest

from assistant.errors import ModelError
from assistant.pinned import check_pinned_files


def test_a_missing_or_changed_model_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"the real weights")
    pinned = {"weights.bin": hashlib.sha256(b"the real weights").hexdigest()}
    check_pinned_files(tmp_path, pinned, "the test model")  # as installed: fine
    (tmp_path / "weights.bin").write_bytes(b"the real weightz")
    with pytest.raises(ModelError, match=r"weights.bin: sha256 .* is not the pinned .*the test model.*make install"):
        check_pinned_files(tmp_path, pinned, "the test model")
    with pytest.raises(ModelError, match=r"vocab.txt: the test model file is missing; run `make install`"):
        check_pinned_files(tmp_path, {"vocab.txt": "0" * 64}, "the test model")
