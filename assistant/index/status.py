"""What `python -m assistant info` reports: the model, where its files are, the published build and
the state of the knowledge against it. Reads files and manifests only: no model is loaded."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.errors import AssistantError


@dataclass(frozen=True)
class Status:
    model: dict
    index: dict
    knowledge: dict
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        def block(title: str, values: dict) -> list[str]:
            return [title] + [f"  {key.replace('_', ' ')}: {', '.join(value) if isinstance(value, list) else value}"
                              for key, value in values.items() if value not in (None, "", [])]

        lines = block("Model", self.model) + [""] + block("Published build", self.index) + [""] + \
            block("Knowledge", self.knowledge)
        if self.problems:
            lines += ["", "Problems"] + [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


def status(knowledge_dir: Path, index_dir: Path) -> Status:
    from assistant.encoders.export import onnx_path, stale_reason
    from assistant.encoders.model import MODELS, cache_dir, configured_model, model_dir, model_spec
    from assistant.knowledge import load_knowledge

    from .history import kept_builds
    from .layout import resolve_build
    from .manifest import FORMAT_VERSION, Manifest, check_fresh

    problems: list[str] = []
    try:
        spec = configured_model(knowledge_dir)
    except AssistantError as exc:
        spec = model_spec(None)
        problems.append(f"{str(exc).splitlines()[0]} (showing the default model)")
    model: dict = {"name": spec.name, "setting": spec.key, "weights_sha256": spec.weights_sha256,
                   "dimension": spec.dimension, "supported": list(MODELS)}
    try:
        model["weights_directory"] = str(model_dir(spec))
    except AssistantError as exc:
        problems.append(str(exc))
    try:
        stale = stale_reason(cache_dir(), model=spec)
        model["answering_encoder"] = (f"ONNX export {onnx_path(cache_dir(), spec)} (onnxruntime)" if stale is None
                                      else f"the reference encoder (sentence-transformers): {stale}")
    except AssistantError as exc:
        problems.append(str(exc))

    index: dict = {"directory": str(index_dir)}
    manifest = None
    try:
        build = resolve_build(index_dir)
        manifest = Manifest.read(build)
        index.update(build=build.name, built_at=manifest.built_at, model=manifest.model_name,
                     weights_sha256=manifest.weights_sha256, entries=manifest.entries, vectors=manifest.views,
                     format_version=manifest.format_version, kept_builds=len(kept_builds(index_dir)))
        if manifest.weights_sha256 != spec.weights_sha256:
            problems.append(f"the published build was made with {manifest.model_name}, the settings choose "
                            f"{spec.key}: `make index` rebuilds it")
        if manifest.format_version != FORMAT_VERSION:
            problems.append(f"the published build has index format {manifest.format_version}, not "
                            f"{FORMAT_VERSION}: `make index` rebuilds it")
    except AssistantError as exc:
        problems.append(str(exc))

    knowledge: dict = {"directory": str(knowledge_dir)}
    try:
        loaded = load_knowledge(knowledge_dir)
        knowledge.update(files=[Path(f).name for f in loaded.files], entries=len(loaded.entries),
                         not_covered=len(loaded.not_covered), content_hash=loaded.content_hash[:12])
        if manifest is not None:
            try:
                check_fresh(manifest, knowledge_dir, spec.weights_sha256)
                knowledge["published"] = "yes: visitors get these files"
            except AssistantError as exc:
                knowledge["published"] = f"no: {exc}"
    except AssistantError as exc:
        knowledge["published"] = "no: the files have mistakes (`make check` lists them)"
        problems.append(str(exc).splitlines()[0])
    return Status(model, index, knowledge, problems)
