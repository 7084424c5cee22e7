"""Building an index: validate the knowledge, embed every view of every entry (reusing the vectors
of unchanged text), train the classifiers, write the artifacts to a staging directory, then publish.

Raises KnowledgeError before anything is written when the knowledge or settings are invalid; a
failed build never touches the published one.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.crisis import overlay_problems
from assistant.errors import AssistantError, KnowledgeError, Problem
from assistant.index.classifier import (
    save_classifier,
    save_detector,
    train_entry_classifier,
    train_not_covered_detector,
)
from assistant.index.entry_store import ENTRIES_FILE, EntryStore, write_entries
from assistant.index.views import View, entry_views, lexical_document, load_view_texts, save_views
from assistant.knowledge import Entry, load_knowledge, source_fingerprint

from ..settings import Settings
from .history import copy_sources
from .layout import (
    BUILDS,
    DRAFT,
    KEEP_BUILDS,
    MANIFEST,
    PUBLISHED,
    artifact_record,
    copy_published,
    prune_old_builds,
    publish,
    published_hash,
    resolve_build,
)
from .lexical import build_lexical, save_lexical
from .load import LoadedIndex
from .manifest import FORMAT_VERSION, Manifest
from .spelling import SCAN_ENTRIES, known_misspellings, save_misspellings
from .vectors import load_vectors, make_faiss_index, save_vectors


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for package in ("faiss-cpu", "sentence-transformers", "torch", "numpy", "bm25s", "aftercare-faq-assistant"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    return versions


def build_index(
    knowledge_dir: Path | str,
    index_dir: Path | str,
    embedder=None,
    progress: bool = True,
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
    reuse_from: Sequence[Path] = (),
    allow_drop: bool = True,
) -> Manifest:
    """Validate, embed and write a new index build, then publish it (point `CURRENT` at it).

    Raises KnowledgeError (nothing written) when the knowledge is invalid. `reuse_from`: other
    index directories whose vectors may be reused (a draft reuses the published build's).
    `allow_drop=False` (staff's `build` without --force): refuse a build with more than a quarter
    fewer entries than the published one, which is how an emptied or deleted file looks.
    """
    started = time.perf_counter()
    knowledge_dir, index_dir = Path(knowledge_dir), Path(index_dir)
    fingerprint = source_fingerprint(knowledge_dir)
    knowledge = load_knowledge(knowledge_dir)  # raises before anything is written
    settings = Settings.load(knowledge_dir)  # settings.yaml is published with the build: refuse a broken one
    crisis_problems = overlay_problems(knowledge_dir)  # and so are the crisis lines: never a broken number
    if crisis_problems:
        raise KnowledgeError(crisis_problems)
    if not allow_drop:
        _refuse_big_drop(knowledge, knowledge_dir, index_dir)
    if source_fingerprint(knowledge_dir) != fingerprint:
        fingerprint = ""  # edited while being read: serving will parse the files to compare
    for warning in knowledge.warnings:
        log(f"warning: {warning}")
    if embedder is None:
        from ..encoders import build_encoder

        embedder = build_encoder(log, settings.model)

    known: dict[str, np.ndarray] = {}
    for directory in (*reuse_from, index_dir):
        known.update(previous_vectors(Path(directory), embedder, log))
    memory = index_entries(list(knowledge.entries), embedder, progress=progress, log=log, known=known,
                           not_covered=knowledge.not_covered, other_not_covered=knowledge.other_not_covered)

    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = builds / f"{stamp}-{knowledge.content_hash[:8]}"
    staging = builds / f".staging-{stamp}-{os.getpid()}"
    try:
        staging.mkdir()
        _write_artifacts(staging, memory)
        copy_published(knowledge_dir, staging)
        copy_sources(knowledge_dir, staging)  # what a rollback to this build puts back
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            model_name=embedder.name,
            weights_sha256=embedder.weights_sha256,
            knowledge_hash=knowledge.content_hash,
            entries=len(knowledge.entries),
            views=int(memory.faiss_index.ntotal),
            faiss_index=type(memory.faiss_index).__name__,
            dimension=int(memory.faiss_index.d),
            built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 2),
            versions=_versions(),
            files=[str(Path(f).name) for f in knowledge.files],
            encoder=encoder_tag(embedder),
            reused_vectors=memory.reused_vectors,
            source_hash=fingerprint,
            not_covered=memory.not_covered,
            published_hash=published_hash(staging / PUBLISHED),
            artifacts=artifact_record(staging),
        )
        (staging / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(staging, final)
        publish(index_dir, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    prune_old_builds(index_dir, keep=1 if index_dir.name == DRAFT else KEEP_BUILDS)
    log(f"built {manifest.entries} entries ({manifest.views} vectors) in {manifest.build_seconds:.1f}s -> {final}")
    return manifest


DROP_GUARD = 0.25  # a build may lose at most this share of the published entries without --force


def _refuse_big_drop(knowledge, knowledge_dir: Path, index_dir: Path) -> None:
    try:
        build = resolve_build(index_dir)
        before = Manifest.read(build).entries
    except AssistantError:
        return  # nothing published yet
    after = len(knowledge.entries)
    if not before or after >= before * (1 - DROP_GUARD):
        return
    now = {entry.id for entry in knowledge.entries}
    try:
        gone = [entry.id for entry in EntryStore(build / ENTRIES_FILE, before) if entry.id not in now]
    except (AssistantError, OSError, ValueError):
        gone = []
    examples = f" (for example {', '.join(gone[:5])})" if gone else ""
    raise KnowledgeError([Problem(str(knowledge_dir), 0, (
        f"this would publish {after} entries instead of the {before} visitors see now, "
        f"{before - after} fewer{examples}. If a file was emptied or deleted by mistake, restore it. "
        "If you meant to remove them, run `make index FORCE=1`."))])


def encoder_tag(embedder) -> str:
    return f"{embedder.weights_sha256}:{embedder.cache_tag or type(embedder).__name__}"


def previous_vectors(index_dir: Path, embedder, log: Callable[[str], None]) -> dict[str, np.ndarray]:
    """The vectors of the build being served, by the exact text they embed, when the same encoder
    made them: a rebuild after editing a few entries embeds only what changed. Staff text only
    (knowledge), never visitor text. Empty when there is nothing (safe) to reuse."""
    try:
        build = resolve_build(Path(index_dir))
    except AssistantError:
        return {}  # the first build
    try:
        manifest = Manifest.read(build)
        if manifest.format_version != FORMAT_VERSION or manifest.encoder != encoder_tag(embedder):
            return {}
        # Only the texts and the vectors: the lexical index and classifier are not needed here.
        texts = load_view_texts(build)
        stored = load_vectors(build)
        if not isinstance(texts, list) or not len(texts) == stored.ntotal == manifest.views:
            return {}
        vectors = stored.reconstruct_n(0, stored.ntotal)
    except (AssistantError, OSError, ValueError, RuntimeError) as exc:
        log(f"not reusing the previous build's vectors ({str(exc).splitlines()[0] if str(exc) else exc})")
        return {}
    return dict(zip(texts, vectors))


def embed_in_batches(embedder, texts: list[str], batch_size: int = 256, progress: bool = True,
                     known: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Embed unique texts in batches (with a progress bar on stderr) and expand back.
    Texts found in `known` (vectors from the same encoder) are not embedded again."""
    known = known or {}
    # Longest first across the whole build, so a batch holds texts of like length (little padding):
    # 2,000 passages embed at ~340 texts/s instead of ~235 in knowledge-file order (research/README.md).
    unique = sorted((text for text in dict.fromkeys(texts) if text not in known), key=len, reverse=True)
    position = {text: i for i, text in enumerate(unique)}
    chunks = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(unique), unit="text", desc="embedding", file=sys.stderr)
    for start in range(0, len(unique), batch_size):
        batch = unique[start:start + batch_size]
        chunks.append(embedder.encode(batch, batch_size=embedder.build_batch))
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    unique_vectors = np.vstack(chunks) if chunks else np.zeros((0, embedder.dimension), np.float32)
    if not known:
        return np.ascontiguousarray(unique_vectors[[position[t] for t in texts]], dtype=np.float32)
    return np.ascontiguousarray(
        np.vstack([known[t] if t in known else unique_vectors[position[t]] for t in texts]) if texts
        else unique_vectors, dtype=np.float32)


def _write_artifacts(directory: Path, memory: LoadedIndex) -> None:
    """Each artifact saves itself (its module knows its format; load.py reads it back the same way)."""
    save_vectors(directory, memory.faiss_index)
    write_entries(directory / ENTRIES_FILE, memory.entries)
    save_views(directory, memory.view_entry, memory.view_kind, memory.view_text)
    save_lexical(directory, memory.lexical)
    save_classifier(directory, memory.classifier)
    save_detector(directory, memory.not_covered_detector, memory.not_covered_texts)
    save_misspellings(directory, memory.misspellings)


def index_entries(entries: list[Entry], embedder, progress: bool = False,
                  log: Callable[[str], None] = lambda message: None,
                  known: dict[str, np.ndarray] | None = None,
                  not_covered: Sequence[str] = (), other_not_covered: Sequence[str] = ()) -> "LoadedIndex":
    """Embed entries and build the FAISS and lexical indexes in memory (no files written).
    `known`: vectors by text from the previous build of the same encoder (not embedded again).
    `not_covered`: questions no entry answers; a detector learns to tell them from the entries'
    phrasings (classifier.py). `other_not_covered`: the same in other languages; the English detector never
    learns from them (the answering model reads English), they are only kept for the multilingual matcher."""
    views: list[View] = [v for i, e in enumerate(entries) for v in entry_views(i, e)]
    texts = [v.text for v in views]
    known = known or {}
    unique = set(texts)
    reused = len(unique & known.keys())
    log(f"embedding {len(unique) - reused} texts from {len(entries)} entries"
        + (f" ({reused} unchanged, reused from the previous build)" if reused else "") + " ...")
    vectors = embed_in_batches(embedder, texts, progress=progress, known=known)
    lexical = build_lexical([lexical_document(e) for e in entries])
    view_entry = np.asarray([v.entry for v in views], dtype=np.int64)
    detector = None
    if not_covered:  # a few dozen short questions: embedded every build (~0.3 s), never stored as views
        detector = train_not_covered_detector(
            vectors, embed_in_batches(embedder, list(not_covered), progress=False, known=known))
    return LoadedIndex(
        directory=Path(), manifest=None, entries=list(entries), view_entry=view_entry,
        view_kind=np.asarray([v.kind for v in views]),
        faiss_index=make_faiss_index(vectors), lexical=lexical,
        classifier=train_entry_classifier(vectors, view_entry, len(entries)),
        view_text=texts, reused_vectors=sum(1 for t in texts if t in known),
        not_covered_detector=detector, not_covered=len(not_covered) if detector is not None else 0,
        not_covered_texts=(*not_covered, *other_not_covered) if detector is not None else (),
        misspellings=known_misspellings(entries) if len(entries) <= SCAN_ENTRIES else {},
    )
