"""The index: the knowledge embedded, searchable, and published as one build at a time.

build.py writes a build, load.py reads one, layout.py knows where builds live and which is
published, manifest.py what each was made from; each artifact (vectors, views, lexical,
classifier, entry_store) saves and loads itself.
"""
from .build import build_index, index_entries
from .layout import DRAFT, PUBLISHED, resolve_build
from .load import LoadedIndex, load_index
from .manifest import FORMAT_VERSION, Manifest, check_fresh, index_is_current

__all__ = ["DRAFT", "FORMAT_VERSION", "PUBLISHED", "LoadedIndex", "Manifest", "build_index", "check_fresh",
           "index_entries", "index_is_current", "load_index", "resolve_build"]
