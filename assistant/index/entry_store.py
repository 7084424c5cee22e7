"""The vetted entries of a build, read from disk when a reply needs them.

A reply shows at most a handful of entries, so a served build keeps only where each entry
starts in `entries.jsonl` (one JSON object per line, memory-mapped), not every entry as a
Python object: at 100,000 passages that is about 130 MB less resident memory (research/README.md,
"Performance"). Entries that were read stay in a small cache, so a small knowledge base
ends up entirely in memory after a few questions.
"""
from __future__ import annotations

import json
import mmap
from collections.abc import Iterator, Sequence
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import IndexError_
from assistant.knowledge import Entry

ENTRIES_FILE = "entries.jsonl"
CACHED_ENTRIES = 4096


def write_entries(path: Path, entries: Sequence[Entry]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for entry in entries:
            # ensure_ascii keeps every entry on one line whatever its text (U+2028 included)
            handle.write(json.dumps(entry.to_dict(), ensure_ascii=True) + "\n")


class EntryStore(Sequence):
    """A read-only sequence of Entry backed by a build's entries.jsonl. Thread-safe."""

    def __init__(self, path: Path, expected: int):
        self.path = path
        try:
            with open(path, "rb") as handle:
                size = handle.seek(0, 2)
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except OSError as exc:
            raise IndexError_(f"{path}: unreadable ({exc}); rebuild the index") from None
        ends = np.flatnonzero(np.frombuffer(self._map, dtype=np.uint8) == ord("\n")) + 1
        if len(ends) != expected or (size and ends[-1] != size):
            raise IndexError_(f"{path}: {len(ends)} entries where the manifest says {expected} "
                              "(a partial or mixed build); rebuild the index")
        self._starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
        self._ends = ends.astype(np.int64)
        self._read = lru_cache(maxsize=CACHED_ENTRIES)(self._read_uncached)
        if expected:
            self._read_uncached(expected - 1)  # a file that is not entries fails at load, not mid-reply

    def _read_uncached(self, position: int) -> Entry:
        line = self._map[self._starts[position]:self._ends[position]]
        try:
            return Entry.from_dict(json.loads(line))
        except (ValueError, TypeError, KeyError) as exc:
            raise IndexError_(f"{self.path}: entry {position + 1} is unreadable ({exc}); rebuild the index") from None

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self._read(i) for i in range(*position.indices(len(self)))]
        position = int(position)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(f"entry {position} out of range")
        return self._read(position)

    def __iter__(self) -> Iterator[Entry]:
        for position in range(len(self)):
            yield self._read(position)

    @cached_property
    def _positions_by_id(self) -> dict[str, int]:
        return {entry.id: position for position, entry in enumerate(self._iter_uncached())}

    def _iter_uncached(self) -> Iterator[Entry]:  # a full scan does not evict the cache
        for position in range(len(self)):
            yield self._read_uncached(position)

    def position_of(self, entry_id: str) -> int | None:
        return self._positions_by_id.get(entry_id)
