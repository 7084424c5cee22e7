"""Reading a published build into memory: each artifact through its own module's loader, every file
checked against the sizes and sha256 the manifest recorded, and the counts checked against each other.
A damaged, partial or mixed build is refused with a message naming the file; it is never served."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from assistant.errors import IndexError_
from assistant.index.classifier import load_classifier, load_detector
from assistant.index.entry_store import ENTRIES_FILE, EntryStore
from assistant.index.views import load_views
from assistant.knowledge import Entry

from .layout import resolve_build, verify_artifacts
from .lexical import load_lexical
from .manifest import FORMAT_VERSION, Manifest
from .spelling import load_misspellings
from .vectors import load_vectors


@dataclass
class LoadedIndex:
    """A build read into memory: nothing on disk is needed after loading."""

    directory: Path
    manifest: Manifest | None
    entries: Sequence[Entry]  # a list for a build made in this process, an EntryStore when loaded
    view_entry: np.ndarray
    view_kind: np.ndarray
    faiss_index: Any
    lexical: Any
    classifier: tuple[np.ndarray, np.ndarray] | None = None
    view_text: list[str] = field(default_factory=list)  # only for a build made in this process
    reused_vectors: int = 0
    not_covered_detector: tuple[np.ndarray, np.float32] | None = None
    not_covered: int = 0  # how many `not_covered:` questions the detector learnt from
    not_covered_texts: tuple[str, ...] = ()  # those questions (crosslingual.py compares with them)
    misspellings: dict[str, str] = field(default_factory=dict)  # spelling.py: alternates' misspellings


def load_index(index_dir: Path | str) -> LoadedIndex:
    build = resolve_build(Path(index_dir))
    manifest = Manifest.read(build)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexError_(f"{build}: index format {manifest.format_version}, expected {FORMAT_VERSION}; rebuild")
    verify_artifacts(build, manifest.artifacts)
    view_entry, view_kind = load_views(build)
    entries = EntryStore(build / ENTRIES_FILE, manifest.entries)
    index = load_vectors(build)
    lexical = load_lexical(build)
    classifier = load_classifier(build, manifest.dimension, manifest.entries)
    counts_ok = (
        index.ntotal == manifest.views == len(view_entry) == len(view_kind)
        and len(entries) == manifest.entries
        and index.d == manifest.dimension
        and (len(view_entry) == 0 or int(view_entry.max()) < len(entries))
    )
    if not counts_ok:
        raise IndexError_(f"{build}: artifacts disagree with the manifest (a partial or mixed build); rebuild")
    detector, texts = load_detector(build, manifest.dimension) if manifest.not_covered else (None, ())
    return LoadedIndex(build, manifest, entries, view_entry, view_kind, index, lexical, classifier,
                       not_covered_detector=detector, not_covered=manifest.not_covered, not_covered_texts=texts,
                       misspellings=load_misspellings(build))
