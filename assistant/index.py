"""Index: embed the knowledge, build FAISS + lexical artifacts, and publish them atomically.

Layout of an index directory::

    index/
      CURRENT                 names the published build ("builds/<time>-<hash>"), replaced atomically
      builds/<time>-<hash>/
        manifest.json   model name + weights hash, knowledge content hash, counts, versions, time,
                        and each artifact's size and sha256 (a damaged copy is refused, never served)
        entries.jsonl   the vetted entries, one JSON object per line (read on demand: entry_store.py)
        views.npz       which entry each vector belongs to, and its kind (views.py)
        vectors.faiss   one vector per view
        view_texts.json the text each vector embeds (read by the next build only, to reuse vectors)
        lexical/        BM25 index (bm25s)
        classifier.npz  entry classifier trained on the knowledge's phrasings (small indexes only)
        not_covered.npz detector of questions like the knowledge's `not_covered:` list (if any)
        published/      the staff's settings.yaml and crisis/*.yaml as they were published: a running
                        server takes crisis numbers and settings from here, so they go live with `build`
      draft/            the same layout, for `ask` and `eval` on unpublished edits: never served

`CURRENT` is a plain file, not a symlink, so the directory survives any copy (`cp -rL`, a zip,
object storage). A failed build never touches it, so the build being served stays byte-for-byte
as it was. Indexes made before `CURRENT` existed (a `current` symlink) are still read, and the
next build replaces the symlink with the file.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .classifier import train_entry_classifier, train_not_covered_detector
from .entry_store import ENTRIES_FILE, EntryStore, write_entries
from .errors import IndexError_, StaleIndexError
from .knowledge import CONFIG_FILES, Entry, Knowledge, load_knowledge, source_fingerprint
from .views import View, entry_views, lexical_document

FORMAT_VERSION = 2  # 2: entries.jsonl + views.npz instead of entries.json
POINTER = "CURRENT"  # a text file naming the published build
LEGACY_LINK = "current"  # the symlink older versions published through
DRAFT = "draft"  # index directory (inside the served one) for unpublished edits
PUBLISHED = "published"  # a build's copy of the staff's settings and crisis overrides
VIEWS = "views.npz"
VIEW_TEXTS = "view_texts.json"
NOT_COVERED = "not_covered.npz"
BUILDS = "builds"
KEEP_BUILDS = 2  # the current one and the one before it
# Up to this many vectors an exact flat index is fast (about 1 ms) and small.
FLAT_LIMIT = 20_000
# Above it: 4-bit product-quantisation codes scanned with SIMD ("fast scan") pick candidates,
# which are re-scored on fp16 copies of the vectors. Measured on 200,000 vectors (README,
# "Performance"): recall@10 0.997 against exact fp32 search with 500 candidates re-scored,
# 0.5 ms a query, 155 MB, built in about a second; HNSW (M 32 and 64) reached 0.969-0.987,
# weakest on off-topic questions, and took 64 s to build and 360+ MB.
COMPRESSED_INDEX = "PQ{m}x4fs,Refine(SQfp16)"  # m = dimension / 4: four dimensions per 4-bit code


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
        path = directory / "manifest.json"
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


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for package in ("faiss-cpu", "sentence-transformers", "torch", "numpy", "bm25s", "aftercare-faq-assistant"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    return versions


def resolve_build(index_dir: Path) -> Path:
    """The directory of the published build (named by the `CURRENT` file)."""
    index_dir = Path(index_dir)
    pointer = index_dir / POINTER
    if pointer.is_file():
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexError_(f"{pointer}: unreadable ({exc}); rebuild with `make index`") from None
        build = index_dir / name
        if not name or Path(name).parent != Path(BUILDS) or not (build / "manifest.json").is_file():
            raise IndexError_(f"{pointer}: names {name!r}, which is not a complete build under {index_dir / BUILDS} "
                              "(a partial copy?); rebuild with `make index`")
        return build
    legacy = index_dir / LEGACY_LINK
    if legacy.exists():  # an older index: the symlink, or the directory a copy made of it
        return legacy.resolve()
    if (index_dir / "manifest.json").exists():  # a plain directory of artifacts also works
        return index_dir
    raise IndexError_(f"{index_dir}: no index built yet; run `make index` (or `python -m assistant build`)")


def published_files(knowledge_dir: Path | str) -> list[Path]:
    """The staff files a build publishes besides the entries: settings.yaml and crisis/*.yaml."""
    from .crisis import overlay_files

    knowledge_dir = Path(knowledge_dir)
    settings = [knowledge_dir / name for name in sorted(CONFIG_FILES) if (knowledge_dir / name).is_file()]
    return settings + overlay_files(knowledge_dir)


def published_hash(knowledge_dir: Path | str) -> str:
    """sha256 over the names and bytes of `published_files`: what a build of them would publish."""
    knowledge_dir = Path(knowledge_dir)
    digest = hashlib.sha256()
    for path in published_files(knowledge_dir):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(f"{path.relative_to(knowledge_dir).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _copy_published(knowledge_dir: Path, build: Path) -> None:
    for path in published_files(knowledge_dir):
        target = build / PUBLISHED / path.relative_to(knowledge_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (build / PUBLISHED).mkdir(exist_ok=True)  # present even when there is nothing to publish


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def artifact_record(build: Path) -> dict[str, list]:
    """Every file of a build but the manifest: relative path -> [size, sha256]."""
    return {path.relative_to(build).as_posix(): [path.stat().st_size, _file_digest(path)]
            for path in sorted(build.rglob("*")) if path.is_file() and path.name != "manifest.json"}


def verify_artifacts(build: Path, manifest: "Manifest") -> None:
    """Refuse a build whose files are not those its manifest records (a partial or damaged copy)."""
    for name, (size, sha256) in manifest.artifacts.items():
        path = build / name
        try:
            ok = path.stat().st_size == size and _file_digest(path) == sha256
        except OSError:
            ok = False
        if not ok:
            raise IndexError_(f"{path}: missing or not the file this build wrote (a partial or damaged copy); "
                              "rebuild with `make index`")


def make_faiss_index(vectors: np.ndarray):
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) <= FLAT_LIMIT:
        index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.index_factory(dimension, COMPRESSED_INDEX.format(m=dimension // 4), faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)  # seconds: 16 centroids per code; k-means is seeded, so builds repeat
    index.add(vectors)
    return index


# bm25s.tokenize's word pattern, so a question's words can be had without it (retrieval.py).
TOKEN = re.compile(r"(?u)\b\w\w+\b")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The English stopwords `tokenize` drops (bm25s's own list)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(texts: list[str]):
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

    return bm25s.tokenize(texts, stopwords="en", show_progress=False)


def build_index(
    knowledge_dir: Path | str,
    index_dir: Path | str,
    embedder=None,
    progress: bool = True,
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
    reuse_from: Sequence[Path] = (),
) -> Manifest:
    """Validate, embed and write a new index build, then publish it (point `CURRENT` at it).

    Raises KnowledgeError (nothing written) when the knowledge is invalid. `reuse_from`: other
    index directories whose vectors may be reused (a draft reuses the published build's).
    """
    started = time.perf_counter()
    knowledge_dir, index_dir = Path(knowledge_dir), Path(index_dir)
    fingerprint = source_fingerprint(knowledge_dir)
    knowledge = load_knowledge(knowledge_dir)  # raises before anything is written
    from .config import Settings

    Settings.load(knowledge_dir)  # settings.yaml is published with the build: refuse a broken one
    if source_fingerprint(knowledge_dir) != fingerprint:
        fingerprint = ""  # edited while being read: serving will parse the files to compare
    for warning in knowledge.warnings:
        log(f"warning: {warning}")
    if embedder is None:
        embedder = bulk_embedder(log)

    known: dict[str, np.ndarray] = {}
    for directory in (*reuse_from, index_dir):
        known.update(previous_vectors(Path(directory), embedder, log))
    memory = index_entries(list(knowledge.entries), embedder, progress=progress, log=log, known=known,
                           not_covered=knowledge.not_covered)

    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    final = builds / f"{stamp}-{knowledge.content_hash[:8]}"
    staging = builds / f".staging-{stamp}-{os.getpid()}"
    try:
        staging.mkdir()
        _write_artifacts(staging, memory)
        _copy_published(knowledge_dir, staging)
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
        (staging / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(staging, final)
        _point_current_at(index_dir, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _prune_old_builds(index_dir)
    log(f"built {manifest.entries} entries ({manifest.views} vectors) in {manifest.build_seconds:.1f}s -> {final}")
    return manifest


def bulk_embedder(log: Callable[[str], None]):
    """The ONNX export (exported once per model; parity with the reference is tested) on all
    cores: run by OpenVINO in bfloat16 where the CPU has it natively (~3x onnxruntime's fp32
    throughput), else by onnxruntime (~3x the reference's). Falls back to the reference encoder."""
    from .errors import AssistantError
    from .onnx_encoder import OnnxEmbedder, ensure_onnx, stale_reason
    from .openvino_encoder import OpenVinoEmbedder, backend, backend_setting

    explicit = backend_setting() != "auto"  # a bad value is the caller's error, not a reason to fall back
    try:
        if stale_reason() is not None:
            log("exporting the fast encoder (ONNX), once per model ...")
            ensure_onnx()
        if backend() == "openvino":
            return OpenVinoEmbedder.load(streams=min(2, os.cpu_count() or 1))
        return OnnxEmbedder.load(threads=os.cpu_count() or 1)
    except (AssistantError, OSError, RuntimeError) as exc:
        if explicit:
            raise
        from .embedding import shared_embedder

        log(f"warning: ONNX encoder unavailable ({exc}); using the slower torch encoder")
        return shared_embedder()


def encoder_tag(embedder) -> str:
    return f"{embedder.weights_sha256}:{getattr(embedder, 'cache_tag', '') or type(embedder).__name__}"


def previous_vectors(index_dir: Path, embedder, log: Callable[[str], None]) -> dict[str, np.ndarray]:
    """The vectors of the build being served, by the exact text they embed, when the same encoder
    made them: a rebuild after editing a few entries embeds only what changed. Staff text only
    (knowledge), never visitor text. Empty when there is nothing (safe) to reuse."""
    from .errors import AssistantError

    import faiss

    try:
        build = resolve_build(Path(index_dir))
    except AssistantError:
        return {}  # the first build
    try:
        manifest = Manifest.read(build)
        if manifest.format_version != FORMAT_VERSION or manifest.encoder != encoder_tag(embedder):
            return {}
        # Only the texts and the vectors: the lexical index and classifier are not needed here.
        texts = json.loads((build / VIEW_TEXTS).read_text(encoding="utf-8"))
        stored = faiss.read_index(str(build / "vectors.faiss"))
        if not isinstance(texts, list) or not len(texts) == stored.ntotal == manifest.views:
            return {}
        vectors = stored.reconstruct_n(0, stored.ntotal)
    except (AssistantError, OSError, ValueError, RuntimeError) as exc:
        log(f"not reusing the previous build's vectors ({str(exc).splitlines()[0] if str(exc) else exc})")
        return {}
    return dict(zip(texts, vectors))


# Texts per model call while building, unless the encoder says (`build_batch`): small batches of
# like-length texts beat large ones on onnxruntime here (339 texts/s at 8-16, 321 at 64, 287 at
# 128; seed-like passages, 2 threads).
MODEL_BATCH = 16


def embed_in_batches(embedder, texts: list[str], batch_size: int = 256, progress: bool = True,
                     known: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Embed unique texts in batches (with a progress bar on stderr) and expand back.
    Texts found in `known` (vectors from the same encoder) are not embedded again."""
    known = known or {}
    # Longest first across the whole build, so a batch holds texts of like length (little padding):
    # 2,000 passages embed at ~340 texts/s instead of ~235 in knowledge-file order (README).
    unique = sorted((text for text in dict.fromkeys(texts) if text not in known), key=len, reverse=True)
    position = {text: i for i, text in enumerate(unique)}
    chunks = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(unique), unit="text", desc="embedding", file=sys.stderr)
    for start in range(0, len(unique), batch_size):
        batch = unique[start:start + batch_size]
        chunks.append(embedder.encode(batch, batch_size=getattr(embedder, "build_batch", MODEL_BATCH)))
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


def _write_artifacts(directory: Path, memory: "LoadedIndex") -> None:
    import faiss

    faiss.write_index(memory.faiss_index, str(directory / "vectors.faiss"))
    write_entries(directory / ENTRIES_FILE, memory.entries)
    kinds, kind_codes = np.unique(memory.view_kind.astype(str), return_inverse=True)
    np.savez(directory / VIEWS, entry=memory.view_entry, kind=kind_codes.astype(np.uint8), kinds=kinds)
    # A file of its own: serving never reads it (at 100k passages it would double the JSON to parse).
    (directory / VIEW_TEXTS).write_text(json.dumps(memory.view_text, ensure_ascii=False), encoding="utf-8")
    memory.lexical.save(str(directory / "lexical"), show_progress=False)
    if memory.classifier is not None:
        np.savez(directory / "classifier.npz", weights=memory.classifier[0], bias=memory.classifier[1])
    if memory.not_covered_detector is not None:
        np.savez(directory / NOT_COVERED, weights=memory.not_covered_detector[0],
                 bias=np.asarray(memory.not_covered_detector[1]))


def index_entries(entries: list[Entry], embedder, progress: bool = False,
                  log: Callable[[str], None] = lambda message: None,
                  known: dict[str, np.ndarray] | None = None,
                  not_covered: Sequence[str] = ()) -> "LoadedIndex":
    """Embed entries and build the FAISS and lexical indexes in memory (no files written).
    `known`: vectors by text from the previous build of the same encoder (not embedded again).
    `not_covered`: questions no entry answers; a detector learns to tell them from the entries'
    phrasings (classifier.py)."""
    import bm25s

    views: list[View] = [v for i, e in enumerate(entries) for v in entry_views(i, e)]
    texts = [v.text for v in views]
    known = known or {}
    unique = set(texts)
    reused = len(unique & known.keys())
    log(f"embedding {len(unique) - reused} texts from {len(entries)} entries"
        + (f" ({reused} unchanged, reused from the previous build)" if reused else "") + " ...")
    vectors = embed_in_batches(embedder, texts, progress=progress, known=known)
    lexical = bm25s.BM25()
    lexical.index(tokenize([lexical_document(e) for e in entries]), show_progress=False)
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
    )


def _point_current_at(index_dir: Path, build: Path) -> None:
    """Publish `build`: write `CURRENT` beside it atomically (readers see the old name or the new)."""
    pointer = index_dir / POINTER
    temporary = index_dir / f".{POINTER}-{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(f"{BUILDS}/{build.name}\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, pointer)
    legacy = index_dir / LEGACY_LINK  # an older index's symlink, or a copy's directory: CURRENT rules now
    if legacy.is_symlink() or legacy.is_file():
        legacy.unlink()
    elif legacy.is_dir():
        shutil.rmtree(legacy, ignore_errors=True)


def _prune_old_builds(index_dir: Path) -> None:
    builds = index_dir / BUILDS
    current = resolve_build(index_dir).resolve()
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    for old in done[KEEP_BUILDS:]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


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


def load_index(index_dir: Path | str) -> LoadedIndex:
    import bm25s
    import faiss

    build = resolve_build(Path(index_dir))
    manifest = Manifest.read(build)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexError_(f"{build}: index format {manifest.format_version}, expected {FORMAT_VERSION}; rebuild")
    verify_artifacts(build, manifest)
    try:
        with np.load(build / VIEWS, allow_pickle=False) as views:
            view_entry = views["entry"].astype(np.int64)
            view_kind = views["kinds"][views["kind"]]
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise IndexError_(f"{build / VIEWS}: unreadable ({exc}); rebuild the index") from None
    entries = EntryStore(build / ENTRIES_FILE, manifest.entries)
    try:
        index = faiss.read_index(str(build / "vectors.faiss"))
    except Exception as exc:  # faiss raises RuntimeError with a C++ message
        raise IndexError_(f"{build / 'vectors.faiss'}: unreadable FAISS index ({str(exc).splitlines()[0]}); rebuild") from None
    try:
        lexical = bm25s.BM25.load(str(build / "lexical"), load_vocab=True, show_progress=False, verbosity=0)
    except Exception as exc:
        raise IndexError_(f"{build / 'lexical'}: unreadable lexical index ({exc}); rebuild") from None
    classifier = None
    if (build / "classifier.npz").exists():
        try:
            with np.load(build / "classifier.npz", allow_pickle=False) as data:
                classifier = (data["weights"], data["bias"])
        except Exception as exc:
            raise IndexError_(f"{build / 'classifier.npz'}: unreadable ({exc}); rebuild") from None
        if classifier[0].shape != (manifest.dimension, manifest.entries):
            raise IndexError_(f"{build / 'classifier.npz'}: shape disagrees with the manifest; rebuild")
    counts_ok = (
        index.ntotal == manifest.views == len(view_entry) == len(view_kind)
        and len(entries) == manifest.entries
        and index.d == manifest.dimension
        and (len(view_entry) == 0 or int(view_entry.max()) < len(entries))
    )
    if not counts_ok:
        raise IndexError_(f"{build}: artifacts disagree with the manifest (a partial or mixed build); rebuild")
    detector = None
    if manifest.not_covered:
        try:
            with np.load(build / NOT_COVERED, allow_pickle=False) as data:
                detector = (data["weights"], data["bias"][()])
        except Exception as exc:
            raise IndexError_(f"{build / NOT_COVERED}: unreadable ({exc}); rebuild") from None
        if detector[0].shape != (manifest.dimension,):
            raise IndexError_(f"{build / NOT_COVERED}: shape disagrees with the manifest; rebuild")
    return LoadedIndex(build, manifest, entries, view_entry, view_kind, index, lexical, classifier,
                       not_covered_detector=detector, not_covered=manifest.not_covered)


def index_is_current(knowledge_dir: Path | str, index_dir: Path | str, weights_sha256: str | None = None) -> bool:
    """True when an index exists and was built from this knowledge (entries, settings and crisis
    files) with the expected model.

    Cheap: reads the manifest only (no model, no FAISS). Invalid knowledge counts as
    not current, so the build that follows reports the problems.
    """
    from .embedding import WEIGHTS_SHA256
    from .errors import AssistantError

    try:
        manifest = Manifest.read(resolve_build(Path(index_dir)))
        check_fresh(manifest, knowledge_dir, weights_sha256 or WEIGHTS_SHA256)
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
