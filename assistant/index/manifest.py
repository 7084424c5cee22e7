"""The manifest of a build: what made it (model, encoder, knowledge) and what it holds, and the
checks that tell whether a build is the one the knowledge and model call for."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import IndexError_, StaleIndexError
from assistant.knowledge import Knowledge, load_knowledge, source_fingerprint

from .layout import MANIFEST, published_hash, resolve_build

FORMAT_VERSION = 2  # 2: entries.jsonl + views.npz instead of entries.json


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model_name: str
    weights_sha256: str
    knowledge_hash: str
    entries: int
    views: int
    faiss_index: str
    dimension: int
    built_at: str
    build_seconds: float
    versions: dict[str, str]
    files: list[str] = field(default_factory=list)
    encoder: str = ""  # which encoder made the vectors (backend + export hash): reuse needs the same
    reused_vectors: int = 0  # vectors taken from the previous build instead of embedded again
    source_hash: str = ""  # knowledge.source_fingerprint of the files built from ("" if they changed meanwhile)
    not_covered: int = 0  # `not_covered:` questions the not-covered detector learnt from
    published_hash: str = ""  # published_hash() of the settings and crisis files copied into the build
    artifacts: dict[str, list] = field(default_factory=dict)  # file -> [size, sha256] (artifact_record)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def read(cls, directory: Path) -> "Manifest":
        path = directory / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except FileNotFoundError:
            raise IndexError_(f"{path}: no manifest; build the index with `make index`") from None
        except (ValueError, TypeError, OSError) as exc:
            raise IndexError_(f"{path}: manifest is unreadable ({exc}); rebuild with `make index`") from None

    def summary(self) -> dict[str, Any]:
        return {
            "entries": self.entries, "views": self.views, "model": self.model_name,
            "knowledge_hash": self.knowledge_hash[:12], "built_at": self.built_at,
        }


def index_is_current(knowledge_dir: Path | str, index_dir: Path | str, weights_sha256: str | None = None) -> bool:
    """True when an index exists and was built from this knowledge (entries, settings and crisis
    files) with the expected model.

    Cheap: reads the manifest only (no model, no FAISS). Invalid knowledge counts as
    not current, so the build that follows reports the problems.
    """
    from assistant.encoders.model import model_spec
    from assistant.errors import AssistantError
    from assistant.settings import Settings

    try:
        manifest = Manifest.read(resolve_build(Path(index_dir)))
        expected = weights_sha256 or model_spec(Settings.load(knowledge_dir).model).weights_sha256
        check_fresh(manifest, knowledge_dir, expected)
    except AssistantError:
        return False
    return manifest.format_version == FORMAT_VERSION


def check_fresh(manifest: Manifest, knowledge: Knowledge | Path | str | None, weights_sha256: str | None) -> None:
    """Refuse an index built from other knowledge or other model weights. Given a directory,
    the files are parsed only when their bytes differ from those the index was built from
    (a comment or layout edit keeps the same content hash). `knowledge` None: the weights only."""
    if weights_sha256 is not None and manifest.weights_sha256 != weights_sha256:
        raise StaleIndexError(
            f"the index was built with other model weights ({manifest.weights_sha256[:12]}…); "
            "rebuild it with `make index`"
        )
    if knowledge is None:
        return
    if not isinstance(knowledge, Knowledge):
        if manifest.published_hash != published_hash(knowledge):
            raise StaleIndexError("settings.yaml or the crisis lines (crisis/*.yaml) changed since the last build; "
                                  "publish them with `make index`")
        if manifest.source_hash and manifest.source_hash == source_fingerprint(knowledge):
            return
        knowledge = load_knowledge(knowledge)
    if manifest.knowledge_hash != knowledge.content_hash:
        raise StaleIndexError(
            "the index was built from different knowledge than what is in the knowledge directory now; "
            "publish the changes with `make index`"
        )
