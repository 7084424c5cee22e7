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
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.crisis.languages import wording
from assistant.crisis.result import NOT_DETECTED
from assistant.crosslingual import LANGUAGES as CROSS_LANGUAGES
from assistant.errors import AssistantError, StaleIndexError
from assistant.language import detect
from assistant.responses import Hit, Response
from assistant.settings import Settings

log = logging.getLogger("assistant")

GREETING = "Please type a question about group therapy, support groups or aftercare."
NO_MATCH = (
    "I'm sorry, I don't have a vetted answer for that question. "
    "These are the closest questions I can answer:"
)
TOO_MANY = (
    "You have sent many questions in a short time, so I can't look for answers for a moment. "
    "Please try again in a minute. If you need to talk to someone now, the lines below are there for you."
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
    crosslingual: object = None  # crosslingual.LazyCrossLingual: questions in other languages


@dataclass(frozen=True)
class State:
    """Everything one request is answered with: the settings, crisis screen and lines, and the
    index, as one build published them. Swapped whole on hot reload; `ask` reads it once."""

    settings: Settings
    screen: object  # CrisisScreen
    resources: object  # CrisisResources
    serving: Serving | None = None  # None: answers unavailable, `problem` says why
    problem: AssistantError | None = None
    question_log: object | None = None  # QuestionLog, only when staff switched logging on


class Assistant:
    CACHE_SIZE = 2048

    def __init__(self, knowledge_dir: Path, index_dir: Path, state: State, settings_override: Settings | None = None):
        self.knowledge_dir = knowledge_dir
        self.index_dir = index_dir  # the index directory answered from (the draft one for `ask` on edits)
        self.state = state
        self.embedder = None
        self.screen_embedder = None  # the crisis screen's model: the answering one unless another answers
        self._settings_override = settings_override  # tests and tools pass settings instead of files
        self._reload_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._stop_watching = threading.Event()
        # Repeated questions (FAQ widgets see many) are answered from memory; keyed by the build.
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()

    # One consistent snapshot each; a request reads `self.state` once instead.
    settings = property(lambda self: self.state.settings)
    screen = property(lambda self: self.state.screen)
    resources = property(lambda self: self.state.resources)
    serving = property(lambda self: self.state.serving)
    problem = property(lambda self: self.state.problem)
    question_log = property(lambda self: self.state.question_log)

    @property
    def retriever(self):
        return self.serving.retriever if self.serving else None

    @property
    def entries(self) -> list:
        return self.serving.entries if self.serving else []

    @property
    def manifest(self):
        return self.serving.manifest if self.serving else None

    @property
    def ready(self) -> bool:
        return self.serving is not None and self.problem is None

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        knowledge_dir: Path | str = "knowledge",
        index_dir: Path | str = "index",
        settings: Settings | None = None,
        embedder=None,
        *,
        draft: bool = False,
        build_missing: bool = False,
    ) -> "Assistant":
        """Serve the published build of `index_dir` with the settings and crisis lines published with it.

        `draft` (`ask`, `eval`): answer from the knowledge as it is now; when it differs from the
        published build, from a draft build in `index_dir/draft` that visitors never see.
        `build_missing` (a server's first start): publish a build when there is none, or when the
        one there was made with other model weights. Never raises for a broken model or index:
        the crisis screen and lines still work, and `problem` says what is wrong.
        """
        knowledge_dir, index_dir = Path(knowledge_dir), Path(index_dir)
        # Crisis first, from the staff's files: it must work even when settings, model or index are broken.
        assistant = cls(knowledge_dir, index_dir, _crisis_only_state(knowledge_dir, settings), settings)
        if assistant.problem is not None:
            return assistant
        try:
            assistant._load_answering(embedder, draft, build_missing)
        except AssistantError as exc:
            log.error("answers unavailable: %s", exc)
            assistant.state = replace(assistant.state, problem=exc)
        return assistant

    def _load_answering(self, embedder, draft: bool, build_missing: bool) -> None:
        from assistant.encoders import serving_encoder
        from assistant.encoders.pool import EncoderPool
        from assistant.index import DRAFT, build_index, check_fresh, index_is_current, load_index

        # One thread owns each copy of the model, whatever the backend: request threads never call it themselves.
        self.embedder = EncoderPool.of(embedder or serving_encoder(self.state.settings.model))
        self.screen_embedder = self._screen_encoder(self.embedder)
        self.state.screen.attach_encoder(self.screen_embedder.encode, self.screen_embedder.encode_corpus)
        published = self.index_dir
        if draft and not index_is_current(self.knowledge_dir, published, self.embedder.weights_sha256):
            self.index_dir = published / DRAFT
            if not index_is_current(self.knowledge_dir, self.index_dir, self.embedder.weights_sha256):
                log.warning("answering from a draft of the knowledge as it is now (not published; "
                            "`make index` publishes it)")
                build_index(self.knowledge_dir, self.index_dir, embedder=self.embedder, progress=False,
                            log=log.info, reuse_from=[published])
        try:
            loaded = load_index(self.index_dir)
            check_fresh(loaded.manifest, None, self.embedder.weights_sha256)
        except AssistantError as exc:
            if not build_missing:
                raise
            log.warning("publishing a new build: %s", exc)
            build_index(self.knowledge_dir, self.index_dir, embedder=self.embedder, progress=False, log=log.info)
            loaded = load_index(self.index_dir)
        self.state = self._state_for(loaded)

    @staticmethod
    def _screen_encoder(answering):
        """The model the crisis screen reads with: MiniLM, whose vectors its exemplar bars and the
        classifier's paired part were measured with (docs/crisis.md). When another supported model
        answers, MiniLM runs beside it on its own owner thread; an encoder that is no supported model
        (tests' fakes) serves both."""
        from assistant.encoders import serving_encoder
        from assistant.encoders.model import MINILM, spec_for_weights
        from assistant.encoders.owner import EncoderThread

        spec = spec_for_weights(answering.weights_sha256)
        if spec is None or spec is MINILM:
            return answering
        return EncoderThread.of(serving_encoder(MINILM))

    def _state_for(self, loaded) -> State:
        """The state a loaded build publishes: its settings and crisis files, then its index."""
        from assistant.index import PUBLISHED
        from assistant.retrieval import Retriever

        staff = loaded.directory / PUBLISHED
        source = staff if staff.is_dir() else self.knowledge_dir  # builds made before `published/` existed
        state = _crisis_only_state(source, self._settings_override)
        if state.problem is not None:
            raise state.problem
        if self.embedder is not None:
            state.screen.attach_encoder(self.screen_embedder.encode, self.screen_embedder.encode_corpus)
        from assistant.crosslingual import LazyCrossLingual

        classifier = crisis_classifier()
        crosslingual = LazyCrossLingual(loaded.entries, lambda: classifier.encoder if classifier else None,
                                        state.settings.crosslingual_weight, loaded.not_covered_texts)
        serving = Serving(loaded.directory, Retriever.from_settings(loaded, state.settings), loaded.entries,
                          loaded.manifest, crosslingual)
        return replace(state, serving=serving)

    # -- hot reload --------------------------------------------------------------------------
    def reload_if_rebuilt(self) -> bool:
        """Serve a newly published build (index, settings and crisis lines together). A build that
        fails to load is logged and ignored: the one being served stays. Returns True on a swap."""
        from assistant.index import load_index, resolve_build

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
                    raise StaleIndexError(f"{loaded.directory}: built with another model ({loaded.manifest.model_name}) "
                                          "than this server answers with; restart the server to serve it")
                state = self._state_for(loaded)
            except AssistantError as exc:
                log.error("new build not served, keeping the current one: %s", exc)
                return False
            self.state = state
            log.info("now serving build %s (%d entries)", loaded.directory.name, loaded.manifest.entries)
            if self._watcher is not None:  # serving
                self._prepare_in_background(state)
            return True

    @staticmethod
    def _prepare_in_background(state: State) -> None:
        """Server only: the cross-lingual matcher built now, beside the traffic (owner.py lets messages in
        between its batches), not on the first question in another language, which waited ~5 s for it."""
        if state.serving is not None and state.serving.crosslingual is not None:
            threading.Thread(target=state.serving.crosslingual.get, name="crosslingual-prepare", daemon=True).start()

    def watch_index(self, interval: float = 2.0) -> None:
        """Poll for newly published builds in a daemon thread (the server calls this), and prepare what each
        served build would otherwise build on a visitor's question (`_prepare_in_background`)."""
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
        self._prepare_in_background(self.state)

    def stop_watching(self) -> None:
        self._stop_watching.set()

    # -- answering -------------------------------------------------------------------------
    def ask(self, text: object, region: str | None = None, *, answer: bool = True, log: bool = True) -> Response:
        """Screen the message for crisis, then find vetted answers. `answer=False` (a visitor over
        the rate limit): the crisis screen and lines only, no retrieval. `log=False` for staff's own
        test questions (the CLI, the staff page): they never go into the visitors' question log."""
        state = self.state  # one snapshot per request: a reload mid-request changes nothing here
        full_text = clean_text(text)
        region = state.resources.resolve_region(region, state.settings.region)
        if not answer:
            return self._screen_only(state, full_text, region)
        serving = state.serving if state.problem is None else None
        key = (full_text, region, serving.build if serving else None)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is None:
            cached = self._answer(state, full_text, region, serving)
            if serving is not None and cached.message != UNAVAILABLE:  # never keep a transient failure
                with self._cache_lock:
                    self._cache[key] = cached
                    while len(self._cache) > self.CACHE_SIZE:
                        self._cache.popitem(last=False)
        if (log and cached.kind == "fallback" and state.question_log is not None and full_text and serving
                and not state.screen.never_log(cached.crisis["detected"], cached.crisis.get("risk"))):
            # staff switched logging on; nothing that may be a crisis gets here
            top = cached.candidates[0].entry.id if cached.candidates else None
            state.question_log.record_unanswered(full_text, region, top)
        return cached

    def _screen_only(self, state: State, full_text: str, region: str) -> Response:
        # Overloaded: the classifier's multilingual part alone (it never queues on the answering model)
        classified = state.screen.classify(full_text, use_answering_model=False)
        crisis = state.screen.screen(full_text, classified=classified)
        crisis_dict = crisis.to_dict()
        language = detect(full_text).code
        if crisis.detected:
            crisis_dict.update(state.resources.crisis_reply(region, crisis, language).to_dict())
            return self._reply(state, full_text, language, "crisis", crisis_dict, region=region)
        return self._reply(state, full_text, language, "fallback", crisis_dict, region=region, message=TOO_MANY,
                           helpline=state.resources.helpline_dict(region, full_text, language))

    def _answer(self, state: State, full_text: str, region: str, serving: Serving | None) -> Response:
        """The pipeline for one message. Pure: same text, region and build -> same Response."""
        settings, screen, resources = state.settings, state.screen, state.resources
        notes: list[str] = []
        question = full_text
        if len(question) > settings.max_question_chars:
            question = question[: settings.max_question_chars]
            notes.append(f"Your message was long, so only its first {settings.max_question_chars} "
                         "characters were used to find an answer.")

        variants = serving.retriever.query_variants(question) if serving and question else []
        vectors, encoded, classified = None, None, None
        separate = self.screen_embedder is not self.embedder  # the screen reads with its own model
        if variants:
            # One encode per message: the question (and its spelling-corrected copy) together with
            # whatever the crisis screen will compare (sentences, clauses): one model call, not two.
            # With another answering model than the screen's, two calls, run side by side.
            # The screen reads the whole message as typed: the answering text is reused for it only when it is
            # exactly that (not cut, no shorthand written out, no spelling corrected).
            whole = variants == [full_text] and not separate
            crisis_texts = screen.texts_to_encode(full_text, have_query_vector=whole)
            classifier_rows = screen.classifier_rows(full_text)
            screen_texts = list(dict.fromkeys([*crisis_texts, *classifier_rows[:1]]))
            batch = list(variants) if separate else list(dict.fromkeys([*variants, *screen_texts]))
            from assistant.encoders.owner import embed_later

            pending = embed_later(self.embedder, batch)
            pending_screen = embed_later(self.screen_embedder, screen_texts) if separate else None
            multilingual = screen.multilingual_vectors(full_text)  # its own model, while the answering model works
            batch_vectors = pending()
            if batch_vectors is not None:
                vectors = batch_vectors[: len(variants)]
            if separate:
                screen_vectors = pending_screen()
                if screen_vectors is not None:
                    encoded = dict(zip(screen_texts, screen_vectors))
            elif batch_vectors is not None:
                encoded = dict(zip(batch, batch_vectors))
            answering = encoded.get(classifier_rows[0]) if encoded is not None and classifier_rows else None
            # Without the answering model's vector (it failed or is overloaded) the classifier's
            # multilingual part scores alone: the screen never waits on that model a second time.
            if multilingual is None and classifier_rows:  # its model failed or timed out: not a second wait
                classified = NOT_DETECTED  # risk None: the other layers decide, and nothing is stored
            else:
                classified = screen.classify(full_text, answering_vector=answering, multilingual=multilingual,
                                             use_answering_model=False)
        reusable = vectors[0] if vectors is not None and variants == [full_text] and not separate else None
        # Without vectors (model failed or overloaded) the screen's own encode would wait again: rules only.
        crisis = (screen.screen(full_text, query_vector=reusable, encoded=encoded, classified=classified)
                  if encoded is not None or not variants
                  else screen.screen(full_text, use_semantic=False, classified=classified))
        crisis_dict = crisis.to_dict()
        language = detect(full_text).code
        if crisis.detected:
            crisis_dict.update(resources.crisis_reply(region, crisis, language).to_dict())
        local = wording(language)

        if not full_text:
            return self._reply(state, full_text, language, "crisis" if crisis.detected else "fallback", crisis_dict,
                               region=region, message=GREETING, notes=notes)
        if vectors is None:
            return self._unavailable(state, full_text, language, crisis.detected, crisis_dict, region, notes)

        matcher = serving.crosslingual.get() if serving.crosslingual and language in CROSS_LANGUAGES else None
        if matcher is not None:  # a question in another language: matched in the multilingual space
            return self._answer_crosslingual(state, full_text, question, matcher, crisis_dict, region, notes, language)

        from assistant.policy import decide

        try:
            ranked = serving.retriever.rank(question, vectors, k=settings.candidates)
            decision = decide(ranked, settings)
            hits = [Hit(serving.entries[c.position], c.score) for c in ranked]
            shown = [Hit(serving.entries[c.position], c.score) for c in decision.shown]
        except AssistantError as exc:  # e.g. an entry file damaged on disk: the crisis reply still goes out
            log.error("answers unavailable: %s", exc)
            return self._unavailable(state, full_text, language, crisis.detected, crisis_dict, region, notes)
        if crisis.detected:
            return self._reply(state, full_text, language, "crisis", crisis_dict, answers=shown, candidates=hits,
                               region=region, notes=notes)
        if decision.confident:
            return self._reply(state, full_text, language, "answer", crisis_dict, answers=shown, candidates=hits,
                               region=region, notes=notes)
        message = NO_MATCH if local is None else f"{local.no_answer}\n\n{NO_MATCH}"
        return self._reply(state, full_text, language, "fallback", crisis_dict, candidates=hits,
                           suggestions=hits[: settings.suggestions], region=region, message=message,
                           helpline=resources.helpline_dict(region, full_text, language), notes=notes)

    def _answer_crosslingual(self, state: State, full_text: str, question: str, matcher, crisis_dict: dict,
                             region: str, notes: list[str], language: str) -> Response:
        local = wording(language)
        settings, serving = state.settings, state.serving
        try:
            ranking = matcher.rank(question, k=settings.candidates)
        except Exception:  # the multilingual model failed on this question: the fallback, in their language
            log.exception("cross-lingual matching failed")
            ranking = None
        hits = [Hit(serving.entries[m.position], m.score) for m in ranking.matches] if ranking else []
        kind = "crisis" if crisis_dict["detected"] else "answer"
        if hits and hits[0].score >= settings.crosslingual_min_score and not ranking.not_covered:
            return self._reply(state, full_text, language, kind, crisis_dict, answers=hits[:1], candidates=hits,
                               region=region, notes=notes)
        message = NO_MATCH if local is None else f"{local.no_answer}\n\n{NO_MATCH}"
        return self._reply(state, full_text, language, "crisis" if crisis_dict["detected"] else "fallback", crisis_dict,
                           candidates=hits, suggestions=hits[: settings.suggestions], region=region,
                           message=message, helpline=state.resources.helpline_dict(region, full_text, language),
                           notes=notes)

    def _unavailable(self, state: State, full_text: str, language: str, crisis_detected: bool, crisis_dict: dict, region: str,
                     notes: list[str]) -> Response:
        """No answers right now (model or index failing): the crisis reply and the helpline still go out."""
        return self._reply(state, full_text, language, "crisis" if crisis_detected else "fallback", crisis_dict,
                           region=region, message=UNAVAILABLE, notes=notes,
                           helpline=state.resources.helpline_dict(region, full_text, language))

    def record_feedback(self, entry_id: str, helpful: bool) -> None:
        """A visitor's helpful / not-helpful click: stored only when staff logging is on."""
        state = self.state
        if (state.question_log is not None and state.serving is not None
                and state.serving.entries.position_of(entry_id) is not None):
            state.question_log.record_feedback(entry_id, helpful)

    def _reply(self, state: State, query: str, language: str, kind, crisis: dict, **fields) -> Response:
        """`language`: the visitor's, detected once per message by the caller."""
        fields["language"] = language
        local = wording(language)
        if local is not None and fields.get("answers"):  # the vetted text is English: say so, in theirs
            fields["notes"] = [local.in_english, *fields.get("notes", [])]
        manifest = state.serving.manifest if state.serving else None
        index = manifest.summary() if manifest else None
        if state.problem is not None:
            fields.setdefault("notes", []).append("Answers are temporarily unavailable.")
        return Response(query=query, kind=kind, crisis=crisis, index=index, **fields)


def _crisis_only_state(source: Path, settings: Settings | None) -> State:
    """The crisis screen and lines from `source` (a knowledge directory or a build's published
    copy), and its settings; a settings problem is recorded, never raised, so crisis lines still work."""
    from assistant.crisis import CrisisScreen
    from assistant.crisis.resources import CrisisResources

    screen, resources = CrisisScreen.load(source), CrisisResources.load(source)
    classifier = crisis_classifier()
    if classifier is not None:
        screen.attach_classifier(classifier)
    try:
        settings = settings or Settings.load(source)
    except AssistantError as exc:
        return State(Settings(), screen, resources, problem=exc)
    question_log = None
    if settings.log_questions:
        from assistant.staff.question_log import QuestionLog

        question_log = QuestionLog.from_settings(settings)
    return State(settings, screen, resources, question_log=question_log)


_classifier = None
_classifier_lock = threading.Lock()
CLASSIFIER_WAIT = 2.0


def crisis_classifier():
    """The crisis classifier, one per process (its model takes ~90 MB), loaded and warmed once.
    None, with the reason logged, when it cannot load: the lexicon and exemplar layers still screen."""
    global _classifier
    with _classifier_lock:
        if _classifier is None:
            from assistant.crisis.classifier import CrisisClassifier, MultilingualEncoder
            from assistant.encoders.owner import EncoderThread

            try:
                # One thread owns its model too: messages arriving together are encoded in one call
                # (about 1 ms a message in a batch of 8 against 2.8 ms alone). A message waits at most
                # CLASSIFIER_WAIT s; then the lexicon and exemplar layers decide without it.
                encoder = MultilingualEncoder()
                # Warmed here, without the wait limit: through the owner thread, a warm-up slower than
                # CLASSIFIER_WAIT (a cold start on a busy machine) raised and switched the classifier
                # off for the life of the process.
                encoder.encode(["warm up"])
                owner = EncoderThread(encoder, timeout=CLASSIFIER_WAIT)
                from assistant.encoders.model import WEIGHTS_SHA256

                # paired with the answering model's vectors only if it is the model it was trained with
                _classifier = CrisisClassifier.load(encoder=owner, answering_model=WEIGHTS_SHA256)
            except Exception as exc:  # never let it stop the crisis screen from loading
                log.error("crisis classifier unavailable, screening with the rules and exemplars: %s", exc)
                _classifier = False
        return _classifier or None
