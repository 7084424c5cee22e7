"""The answer engine: crisis screen -> retrieval -> answer policy -> Response.

`Assistant.load` never raises for a broken model or index: the crisis screen (its
lexicon layer) and the crisis resources load first and keep working, and `ask`
answers with crisis lines and a calm "not available" fallback. `problem` says why.
"""
from __future__ import annotations

import logging
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Settings
from .errors import AssistantError, StaleIndexError
from .responses import Hit, Response

log = logging.getLogger("assistant")

GREETING = "Please type a question about group therapy, support groups or aftercare."
NO_MATCH = (
    "I'm sorry, I don't have a vetted answer for that question. "
    "These are the closest questions I can answer:"
)
UNAVAILABLE = (
    "I'm sorry, answers are unavailable right now. If you need to talk to someone, "
    "the lines below are there for you."
)


def clean_text(text: object) -> str:
    """Make any input safe to process: a str without lone surrogates, NULs or control chars."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = str(text) if text is not None else ""
    text = text.encode("utf-8", errors="replace").decode("utf-8")  # lone surrogates -> '?'
    kept = [ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in text]
    return " ".join("".join(kept).split())


@dataclass(frozen=True)
class Serving:
    """One loaded index build. Replaced as a whole on hot reload, so a request that
    started with one build finishes with it."""

    build: Path
    retriever: object
    entries: list
    manifest: object


class Assistant:
    CACHE_SIZE = 2048

    def __init__(self, knowledge_dir: Path, index_dir: Path, settings: Settings, screen, resources):
        self.knowledge_dir = knowledge_dir
        self.index_dir = index_dir
        self.settings = settings
        self.screen = screen
        self.resources = resources
        self.embedder = None
        self.serving: Serving | None = None
        self.problem: AssistantError | None = None
        self._reload_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._stop_watching = threading.Event()
        self.question_log = None  # opt-in: QuestionLog when settings.log_questions is on
        # Repeated questions (FAQ widgets see many) are answered from memory; keyed by the build.
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()
        self._answering = 0  # questions in progress (not from the cache): tells the encoder about load

    # The build being served; these read one consistent snapshot.
    @property
    def retriever(self):
        return self.serving.retriever if self.serving else None

    @property
    def entries(self) -> list:
        return self.serving.entries if self.serving else []

    @property
    def manifest(self):
        return self.serving.manifest if self.serving else None

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        knowledge_dir: Path | str = "knowledge",
        index_dir: Path | str = "index",
        settings: Settings | None = None,
        rebuild_stale: bool = False,
        embedder=None,
    ) -> "Assistant":
        from .crisis import CrisisScreen
        from .crisis_resources import CrisisResources

        knowledge_dir, index_dir = Path(knowledge_dir), Path(index_dir)
        # Crisis first: it must work even when settings, model or index are broken.
        screen = CrisisScreen.load(knowledge_dir)
        resources = CrisisResources.load(knowledge_dir)
        try:
            settings = settings or Settings.load(knowledge_dir)
        except AssistantError as exc:
            assistant = cls(knowledge_dir, index_dir, Settings(), screen, resources)
            assistant.problem = exc
            return assistant
        assistant = cls(knowledge_dir, index_dir, settings, screen, resources)
        if settings.log_questions:
            from .question_log import QuestionLog

            assistant.question_log = QuestionLog.from_settings(settings)
        try:
            assistant._load_answering(embedder, rebuild_stale)
        except AssistantError as exc:
            assistant.problem = exc
            log.error("answers unavailable: %s", exc)
        return assistant

    def _load_answering(self, embedder, rebuild_stale: bool) -> None:
        from .embedding import serving_embedder
        from .index import build_index, check_fresh, load_index
        from .retrieval import Retriever

        self.embedder = embedder or serving_embedder()
        if hasattr(self.embedder, "busy_hint"):
            self.embedder.busy_hint = lambda: self._answering > 1
        self.screen.attach_encoder(self.embedder.encode, getattr(self.embedder, "encode_corpus", None))
        try:
            loaded = load_index(self.index_dir)
            check_fresh(loaded.manifest, self.knowledge_dir, self.embedder.weights_sha256)
        except AssistantError as exc:
            if not rebuild_stale:
                raise
            log.warning("rebuilding the index: %s", exc)
            build_index(self.knowledge_dir, self.index_dir, embedder=self.embedder, progress=False,
                        log=log.info)
            loaded = load_index(self.index_dir)
            check_fresh(loaded.manifest, self.knowledge_dir, self.embedder.weights_sha256)
        self.serving = Serving(loaded.directory, Retriever.from_settings(loaded, self.settings),
                               loaded.entries, loaded.manifest)

    @property
    def ready(self) -> bool:
        return self.serving is not None and self.problem is None

    # -- hot reload --------------------------------------------------------------------------
    def reload_if_rebuilt(self) -> bool:
        """Serve a new build if `index/current` now points elsewhere. A build that fails to
        load is logged and ignored: the one being served stays. Returns True on a swap."""
        from .index import load_index, resolve_build
        from .retrieval import Retriever

        if self.embedder is None:
            return False
        with self._reload_lock:
            try:
                build = resolve_build(self.index_dir)
            except AssistantError:
                return False
            if self.serving is not None and build == self.serving.build:
                return False
            try:
                loaded = load_index(self.index_dir)
                if loaded.manifest.weights_sha256 != self.embedder.weights_sha256:
                    raise StaleIndexError(f"{loaded.directory}: built with other model weights; not served")
            except AssistantError as exc:
                log.error("new index not served, keeping the current one: %s", exc)
                return False
            self.serving = Serving(loaded.directory, Retriever.from_settings(loaded, self.settings),
                                   loaded.entries, loaded.manifest)
            self.problem = None
            log.info("now serving index build %s (%d entries)", loaded.directory.name, loaded.manifest.entries)
            return True

    def watch_index(self, interval: float = 2.0) -> None:
        """Poll for rebuilt indexes in a daemon thread (the app calls this)."""
        if self._watcher is not None:
            return

        def loop() -> None:
            while not self._stop_watching.wait(interval):
                try:
                    self.reload_if_rebuilt()
                except Exception:  # never let the watcher die
                    log.exception("index watcher")

        self._watcher = threading.Thread(target=loop, name="index-watcher", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        self._stop_watching.set()

    # -- answering -------------------------------------------------------------------------
    def ask(self, text: object, region: str | None = None) -> Response:
        full_text = clean_text(text)
        region = self.resources.resolve_region(region, self.settings.region)
        serving = self.serving if self.problem is None else None  # one snapshot per request
        key = (full_text, region, serving.build if serving else None)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is None:
            with self._cache_lock:
                self._answering += 1
            try:
                cached = self._answer(full_text, region, serving)
            finally:
                with self._cache_lock:
                    self._answering -= 1
            if serving is not None and cached.message != UNAVAILABLE:  # never keep a transient failure
                with self._cache_lock:
                    self._cache[key] = cached
                    while len(self._cache) > self.CACHE_SIZE:
                        self._cache.popitem(last=False)
        if cached.kind == "fallback" and self.question_log is not None and full_text and serving:
            # staff switched logging on; crisis messages never get here
            top = cached.candidates[0].entry.id if cached.candidates else None
            self.question_log.record_unanswered(full_text, region, top)
        return cached

    def _answer(self, full_text: str, region: str, serving: Serving | None) -> Response:
        """The pipeline for one message. Pure: same text, region and build -> same Response."""
        notes: list[str] = []
        question = full_text
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            notes.append(f"Your message was long, so only its first {self.settings.max_question_chars} "
                         "characters were used to find an answer.")

        variants = serving.retriever.query_variants(question) if serving and question else []
        vectors, encoded = None, None
        if variants:
            # One encode per message: the question (and its spelling-corrected copy) together with
            # whatever the crisis screen will compare (sentences, clauses): one model call, not two.
            whole = question == full_text  # the screen always sees the whole message
            crisis_texts = self.screen.texts_to_encode(full_text, have_query_vector=whole)
            batch = list(dict.fromkeys([*variants, *crisis_texts]))
            batch_vectors = self._embed(batch)
            if batch_vectors is not None:
                vectors = batch_vectors[: len(variants)]
                encoded = dict(zip(batch, batch_vectors))
        reusable = vectors[0] if vectors is not None and question == full_text else None
        crisis = self.screen.screen(full_text, query_vector=reusable, encoded=encoded)
        crisis_dict = crisis.to_dict()
        if crisis.detected:
            crisis_dict.update(self.resources.crisis_reply(region, crisis).to_dict())

        if not full_text:
            return self._reply(full_text, "crisis" if crisis.detected else "fallback", crisis_dict,
                               region=region, message=GREETING, notes=notes)
        if vectors is None:
            return self._unavailable(full_text, crisis.detected, crisis_dict, region, notes)

        from .policy import decide

        try:
            ranked = serving.retriever.rank(question, vectors, k=self.settings.candidates)
            decision = decide(ranked, self.settings)
            hits = [Hit(serving.entries[c.position], c.score) for c in ranked]
            shown = [Hit(serving.entries[c.position], c.score) for c in decision.shown]
        except AssistantError as exc:  # e.g. an entry file damaged on disk: the crisis reply still goes out
            log.error("answers unavailable: %s", exc)
            return self._unavailable(full_text, crisis.detected, crisis_dict, region, notes)
        if crisis.detected:
            return self._reply(full_text, "crisis", crisis_dict, answers=shown, candidates=hits,
                               region=region, notes=notes)
        if decision.confident:
            return self._reply(full_text, "answer", crisis_dict, answers=shown, candidates=hits,
                               region=region, notes=notes)
        return self._reply(full_text, "fallback", crisis_dict, candidates=hits,
                           suggestions=hits[: self.settings.suggestions], region=region, message=NO_MATCH,
                           helpline=self.resources.helpline_dict(region), notes=notes)

    def _unavailable(self, full_text: str, crisis_detected: bool, crisis_dict: dict, region: str,
                     notes: list[str]) -> Response:
        """No answers right now (model or index failing): the crisis reply and the helpline still go out."""
        return self._reply(full_text, "crisis" if crisis_detected else "fallback", crisis_dict,
                           region=region, message=UNAVAILABLE, notes=notes,
                           helpline=self.resources.helpline_dict(region))

    def record_feedback(self, entry_id: str, helpful: bool) -> None:
        """A visitor's helpful / not-helpful click: stored only when staff logging is on."""
        serving = self.serving
        if self.question_log is not None and serving is not None and serving.entries.position_of(entry_id) is not None:
            self.question_log.record_feedback(entry_id, helpful)

    def _embed(self, texts: list[str]) -> np.ndarray | None:
        try:
            return self.embedder.encode(texts)
        except Exception:  # a broken model must not take the crisis path down with it
            log.exception("embedding failed")
            return None

    def _reply(self, query: str, kind, crisis: dict, **fields) -> Response:
        manifest = self.manifest
        index = manifest.summary() if manifest else None
        if self.problem is not None:
            fields.setdefault("notes", []).append("Answers are temporarily unavailable.")
        return Response(query=query, kind=kind, crisis=crisis, index=index, **fields)
