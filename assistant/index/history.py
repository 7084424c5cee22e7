"""The builds kept after publishing, and rollback: publish an earlier one again.

Each build keeps a copy of the knowledge files it was made from (`sources/`, beside the settings
and crisis lines in `published/`). A rollback publishes the earlier build and, by default, puts
those files back in the knowledge directory: otherwise the next `make index` (or a server
restart, which builds when the index is stale) would publish the unwanted change again. The
files it replaces are kept under `index/replaced/<time>/`.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError, IndexError_
from assistant.knowledge import CONFIG_FILES, knowledge_files

from .layout import BUILDS, MANIFEST, PUBLISHED, publish, published_files, resolve_build, verify_artifacts
from .manifest import FORMAT_VERSION, Manifest

SOURCES = "sources"  # a build's copy of the knowledge files its entries came from
REPLACED = "replaced"  # index/replaced/<time>/: the knowledge files a rollback put aside


@dataclass(frozen=True)
class KeptBuild:
    name: str
    built_at: str
    entries: int
    serving: bool  # the published one
    has_sources: bool  # made after builds kept their knowledge files: a rollback can restore them


@dataclass(frozen=True)
class Rollback:
    build: KeptBuild
    restored: tuple[str, ...] = ()  # knowledge files written back (relative paths)
    removed: tuple[str, ...] = ()  # knowledge files the earlier build did not have
    replaced_dir: Path | None = None  # where the files as they were now are kept
    notes: tuple[str, ...] = field(default=())


def copy_sources(knowledge_dir: Path, build: Path) -> None:
    """Keep the entries files (not settings: `published/` has those) with the build."""
    target = build / SOURCES
    target.mkdir(exist_ok=True)
    for path in knowledge_files(knowledge_dir):
        if path.name not in CONFIG_FILES:
            shutil.copyfile(path, target / path.name)


def kept_builds(index_dir: Path | str) -> list[KeptBuild]:
    """Every complete build in `index_dir`, newest first."""
    index_dir = Path(index_dir)
    try:
        serving = resolve_build(index_dir).resolve()
    except AssistantError:
        serving = None
    found = []
    builds = index_dir / BUILDS
    for build in sorted(builds.iterdir() if builds.is_dir() else (), reverse=True):
        if build.name.startswith(".") or not (build / MANIFEST).is_file():
            continue
        try:
            manifest = Manifest.read(build)
        except AssistantError:
            continue
        found.append(KeptBuild(build.name, manifest.built_at, manifest.entries, build.resolve() == serving,
                               (build / SOURCES).is_dir()))
    return found


def rollback(index_dir: Path | str, knowledge_dir: Path | str, to: str | None = None, *,
             restore_files: bool = True, weights_sha256: str | None = None) -> Rollback:
    """Publish build `to` (default: the newest one older than the published one) and put its
    knowledge files back. Raises IndexError_ when there is no such build or it cannot be served."""
    index_dir, knowledge_dir = Path(index_dir), Path(knowledge_dir)
    kept = kept_builds(index_dir)
    if to is None:
        serving = next((i for i, b in enumerate(kept) if b.serving), None)
        earlier = kept[serving + 1:] if serving is not None else kept
        if not earlier:
            raise IndexError_(f"{index_dir}: no earlier build is kept, so there is nothing to roll back to "
                              "(`python -m assistant rollback --list` shows the kept builds)")
        chosen = earlier[0]
    else:
        chosen = next((b for b in kept if b.name == to or b.name.startswith(to)), None)
        if chosen is None:
            raise IndexError_(f"{index_dir}: no kept build is called {to!r}; "
                              "`python -m assistant rollback --list` shows the kept builds")
    if chosen.serving:
        raise IndexError_(f"build {chosen.name} is the one being served already")
    build = index_dir / BUILDS / chosen.name
    manifest = Manifest.read(build)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexError_(f"build {chosen.name} has an older index format ({manifest.format_version}) that this "
                          "version cannot serve; restore its knowledge files and run `make index` instead")
    if weights_sha256 is not None and manifest.weights_sha256 != weights_sha256:
        raise IndexError_(f"build {chosen.name} was made with other model weights; it cannot be served")
    verify_artifacts(build, manifest.artifacts)  # never publish a damaged copy

    restored: list[str] = []
    removed: list[str] = []
    replaced_dir = None
    notes: list[str] = []
    if restore_files and chosen.has_sources:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        replaced_dir = index_dir / REPLACED / stamp
        restored, removed = _restore_files(build, knowledge_dir, replaced_dir)
    elif restore_files:
        notes.append("this build was made before builds kept their knowledge files, so your files were not "
                     "changed: the next `make index` publishes them again")
    publish(index_dir, build)
    return Rollback(chosen, tuple(restored), tuple(removed), replaced_dir, tuple(notes))


def _restore_files(build: Path, knowledge_dir: Path, replaced_dir: Path) -> tuple[list[str], list[str]]:
    """Make the knowledge directory's entries, settings and crisis files those of `build`; the
    files as they were go to `replaced_dir` first."""
    wanted: dict[str, Path] = {p.name: p for p in (build / SOURCES).iterdir() if p.is_file()}
    published = build / PUBLISHED
    wanted.update({p.relative_to(published).as_posix(): p for p in published_files(published)})
    current = [p for p in knowledge_files(knowledge_dir) if p.name not in CONFIG_FILES]
    current += published_files(knowledge_dir)
    restored, removed = [], []
    for path in current:  # keep every file as it is now before touching any
        relative = path.relative_to(knowledge_dir).as_posix()
        keep = replaced_dir / relative
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, keep)
    for path in current:
        relative = path.relative_to(knowledge_dir).as_posix()
        if relative not in wanted:
            path.unlink()
            removed.append(relative)
    for relative, source in sorted(wanted.items()):
        target = knowledge_dir / relative
        if target.is_file() and target.read_bytes() == source.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.rollback-{os.getpid()}")
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
        restored.append(relative)
    return restored, removed
