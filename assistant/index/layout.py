"""Where builds live and which one is published: the layout of an index directory.

    index/
      CURRENT                 names the published build ("builds/<time>-<hash>"), replaced atomically
      builds/<time>-<hash>/   one build: manifest.json and the artifacts (load.py lists them), and
        published/            the staff's settings.yaml and crisis/*.yaml as they were published
        sources/              the knowledge files its entries came from (a rollback puts them back)
      replaced/<time>/        knowledge files as they were before a rollback (history.py)
      draft/                  the same layout, for `ask` and `eval` on unpublished edits: never served

`CURRENT` is a plain file, not a symlink, so the directory survives any copy (`cp -rL`, a zip,
object storage). A failed build never touches it, so the build being served stays byte-for-byte
as it was. Indexes made before `CURRENT` existed (a `current` symlink) are still read, and the
next build replaces the symlink with the file.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from assistant.errors import IndexError_
from assistant.knowledge import CONFIG_FILES

POINTER = "CURRENT"  # a text file naming the published build
LEGACY_LINK = "current"  # the symlink older versions published through
DRAFT = "draft"  # index directory (inside the served one) for unpublished edits
PUBLISHED = "published"  # a build's copy of the staff's settings and crisis overrides
BUILDS = "builds"
MANIFEST = "manifest.json"
KEEP_BUILDS = 5  # the published one and four before it, for `rollback` (history.py)


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
        if not name or Path(name).parent != Path(BUILDS) or not (build / MANIFEST).is_file():
            raise IndexError_(f"{pointer}: names {name!r}, which is not a complete build under {index_dir / BUILDS} "
                              "(a partial copy?); rebuild with `make index`")
        return build
    legacy = index_dir / LEGACY_LINK
    if legacy.exists():  # an older index: the symlink, or the directory a copy made of it
        return legacy.resolve()
    if (index_dir / MANIFEST).exists():  # a plain directory of artifacts also works
        return index_dir
    raise IndexError_(f"{index_dir}: no index built yet; run `make index`")


def published_files(knowledge_dir: Path | str) -> list[Path]:
    """The staff files a build publishes besides the entries: settings.yaml and crisis/*.yaml."""
    from ..crisis.rules import overlay_files

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


def copy_published(knowledge_dir: Path, build: Path) -> None:
    for path in published_files(knowledge_dir):
        target = build / PUBLISHED / path.relative_to(knowledge_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (build / PUBLISHED).mkdir(exist_ok=True)  # present even when there is nothing to publish


def file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def artifact_record(build: Path) -> dict[str, list]:
    """Every file of a build but the manifest: relative path -> [size, sha256]."""
    return {path.relative_to(build).as_posix(): [path.stat().st_size, file_digest(path)]
            for path in sorted(build.rglob("*")) if path.is_file() and path.name != MANIFEST}


def verify_artifacts(build: Path, artifacts: dict[str, list]) -> None:
    """Refuse a build whose files are not those its manifest records (`artifact_record`): a partial
    or damaged copy."""
    for name, (size, sha256) in artifacts.items():
        path = build / name
        try:
            ok = path.stat().st_size == size and file_digest(path) == sha256
        except OSError:
            ok = False
        if not ok:
            raise IndexError_(f"{path}: missing or not the file this build wrote (a partial or damaged copy); "
                              "rebuild with `make index`")


def publish(index_dir: Path, build: Path) -> None:
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


def prune_old_builds(index_dir: Path, keep: int = KEEP_BUILDS) -> None:
    builds = index_dir / BUILDS
    current = resolve_build(index_dir).resolve()
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    for old in done[keep:]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)
