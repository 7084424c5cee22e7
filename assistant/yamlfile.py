"""Reading YAML safely, with line numbers: every mapping and list remembers the line it starts on,
so messages can say `file:line`.

Two readers. `parse_yaml` (the knowledge and settings) is strict: duplicate keys and aliases are
errors, reported as `Problem`s. `read_lenient` (the crisis data and staff overlays) never raises: a
broken file is skipped with a warning, because the crisis screen must keep working whatever staff
saved.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant.errors import Problem

MAX_FILE_BYTES = 64 * 1024 * 1024


class _LineConstructor:
    """Builds mappings and lists that remember their line numbers; rejects duplicate keys."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be plain text", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=deep)
        mapping = Mapping(mapping)
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            self.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value
        }
        return mapping

    def construct_sequence(self, node, deep=False):  # type: ignore[override]
        items = _Sequence(super().construct_sequence(node, deep=deep))
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items


class _LineLoader(_LineConstructor, yaml.SafeLoader):
    """SafeLoader that remembers line numbers, rejects duplicate keys and aliases.

    Aliases are refused outright: knowledge files never need them and they are how
    "billion laughs" documents blow up memory. Its messages are the ones staff see.
    """

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in knowledge files", event.start_mark
            )
        return super().compose_node(parent, index)


class Mapping(dict):
    """A parsed mapping with its line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class _Sequence(list):
    item_lines: list[int]


_FastLineLoader = None
if getattr(yaml, "__with_libyaml__", False):
    class _FastLineLoader(_LineConstructor, yaml.CSafeLoader):  # type: ignore[no-redef]
        """libyaml's parser with the same constructors: a 2,000-passage file in 0.2 s instead of
        1.8 s. Only for files that parse cleanly; anything else goes to `_LineLoader` for its
        messages. Aliases are found after parsing (libyaml composes them as shared nodes,
        which costs nothing until they are constructed)."""

for _loader in filter(None, (_LineLoader, _FastLineLoader)):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineConstructor.construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineConstructor.construct_sequence)


def _has_alias(root) -> bool:
    """True when any node is reached twice: how libyaml composes an alias."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def _load_fast(text: str) -> tuple[bool, Any]:
    """(True, data) when libyaml parses the text cleanly and without aliases, else (False, None)."""
    if _FastLineLoader is None:
        return False, None
    loader = _FastLineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return True, None
        if _has_alias(node):
            return False, None
        return True, loader.construct_document(node)
    except (yaml.YAMLError, RecursionError):
        return False, None
    finally:
        loader.dispose()


def _construct_date(loader, node):
    """A date staff wrote (`reviewed: 2026-11-26`); one that does not exist (2026-13-45) is a
    message at its line, not a crash deep inside the YAML library."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a real date", node.start_mark) from None


for _loader in filter(None, (_LineLoader, _FastLineLoader)):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)

HINT = "Fix it, then run `make check` again."


def plain_yaml_problem(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, str]:
    """(line, message) for a YAML syntax error, in words staff can act on, at the line where the
    mistake is: the YAML library often notices it later (an unclosed quote at the end of the file,
    a missing colon on the next line)."""
    context, problem = exc.context or "", exc.problem or str(exc)
    at_problem = exc.problem_mark.line + 1 if exc.problem_mark else 1
    at_context = exc.context_mark.line + 1 if exc.context_mark else at_problem

    def shown(number: int) -> str:
        text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        return f" (`{text[:60]}`)" if text else ""

    if "quoted scalar" in context:
        quote = lines[at_context - 1][exc.context_mark.column] if exc.context_mark and 0 < at_context <= len(lines) \
            and exc.context_mark.column < len(lines[at_context - 1]) else '"'
        return at_context, (f"a text opens with a quotation mark ({quote}) here{shown(at_context)} that is never "
                            f"closed: add the closing {quote} at the end of the text, or remove the opening one")
    if "simple key" in context and "':'" in problem:
        first = (lines[at_context - 1].split() or [""])[0] if 0 < at_context <= len(lines) else ""
        field = first.lstrip("-").strip() or "the field name"
        return at_context, (f"a colon is missing on this line{shown(at_context)}: write `{field}: ` "
                            "with a colon and a space after the field name")
    if "mapping values are not allowed" in problem:
        return at_problem, (f"this line's text contains a colon followed by a space{shown(at_problem)}, which "
                            "reads as a new field: put the whole text in double quotes, or write it on the "
                            "next lines after `>-`")
    if "'\\t'" in problem:
        return at_problem, f"this line has a tab{shown(at_problem)}: indent with spaces only, never tabs"
    if "alias" in problem:
        return at_problem, "a `*name` or `&name` (a YAML alias) is not allowed in these files: write the text out"
    if "duplicate key" in problem:
        return at_problem, f"the field on this line appears twice in the same entry: {problem}; keep one"
    if "constructor for the tag" in problem:
        return at_problem, (f"this line has a `!!` tag{shown(at_problem)}, which these files do not allow: "
                            "remove the `!!...` part and write plain text")
    if "is not a real date" in problem:
        return at_problem, f"{problem}: write dates as YYYY-MM-DD, for example 2026-11-26"
    if "expected <block end>" in problem or "expected <block mapping start>" in problem:
        if "'<scalar>'" in problem and "'" in lines[at_problem - 1 if 0 < at_problem <= len(lines) else 0]:
            return at_problem, (f"this line{shown(at_problem)} does not fit the file's layout; if its text is in "
                                "single quotes and holds an apostrophe, use double quotes around it instead")
        return at_problem, (f"this line is indented differently from the lines above it{shown(at_problem)}: "
                            "each entry starts with `  - id:` and its fields line up under `id` (spaces only)")
    return at_problem, f"the file's layout is broken here{shown(at_problem)} (the YAML reader says: {problem})"


def parse_yaml(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file safely. Returns (data, problems); data is None when unreadable."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(display, 1, f"cannot read the file: {exc.strerror}")]
    if size > MAX_FILE_BYTES:
        return None, [Problem(display, 1, f"file is {size // (1 << 20)} MiB; the limit is "
                                          f"{MAX_FILE_BYTES >> 20} MiB: split it into several files")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(display, line, "file is not UTF-8 text; save it as UTF-8 and try again")]
    parsed, data = _load_fast(text)
    if parsed:
        return data, []
    try:
        return yaml.load(text, Loader=_LineLoader), []  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line, message = plain_yaml_problem(exc, text.splitlines())
        return None, [Problem(display, line, message)]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 1, f"invalid YAML: {exc}")]
    except RecursionError:
        return None, [Problem(display, 1, "invalid YAML: nesting is too deep")]


# -- lenient (crisis files) ------------------------------------------------------------------------
class _LenientMapping(dict):
    """A mapping that remembers the line it started on (for ``file:line: message`` warnings)."""

    line = 0


class _LenientLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LenientLoader, node: yaml.MappingNode) -> _LenientMapping:
    mapping = _LenientMapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LenientLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "line", default) or default


def read_lenient(path: Path) -> tuple[dict | None, list[str]]:
    """Read one file that may be skipped when broken (the crisis data and staff overlays): returns
    (document or None, warnings as `file:line: message`). Never raises."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}:1: cannot read the file ({exc}); it was skipped"]
    try:
        document = yaml.load(text, Loader=_LenientLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [f"{path}:{line}: not valid YAML ({exc.problem or exc}); the file was skipped"]
    except yaml.YAMLError as exc:
        return None, [f"{path}:1: not valid YAML ({exc}); the file was skipped"]
    if document is None:
        return {}, []
    if not isinstance(document, dict):
        return None, [f"{path}:1: expected a mapping at the top (terms:, guards:, ...); the file was skipped"]
    return document, []
