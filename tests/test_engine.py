"""The answer engine end to end, with the real model and real FAISS."""
import pytest

from assistant.engine import Assistant, clean_text
from assistant.index import resolve_build
from tests.conftest import write
from tests.fakes import CountingEncoder

CONTRACT_KEYS = {"query", "kind", "crisis", "answers", "candidates"}


def test_answers_a_seed_question_with_vetted_text(seed_assistant):
    reply = seed_assistant.ask("How long does group therapy usually last in aftercare?").to_dict()
    assert CONTRACT_KEYS <= set(reply)
    assert reply["kind"] == "answer"
    assert reply["crisis"]["detected"] is False
    first = reply["answers"][0]
    assert first["id"] == "faq-duration"
    assert set(first) >= {"id", "score", "question", "answer", "source"}
    vetted = {e.id: e.answer for e in seed_assistant.entries}
    assert all(a["answer"] == vetted[a["id"]] for a in reply["answers"])
    assert len(reply["candidates"]) == 10
    scores = [c["score"] for c in reply["candidates"]]
    assert scores == sorted(scores, reverse=True)


def test_passages_answer_with_a_title(seed_assistant):
    reply = seed_assistant.ask("how does group therapy help me practise listening and communication skills").to_dict()
    assert reply["kind"] == "answer"
    assert any("title" in a for a in reply["answers"])


def test_out_of_scope_falls_back_kindly(seed_assistant):
    reply = seed_assistant.ask("what is the best pizza topping").to_dict()
    assert reply["kind"] == "fallback"
    assert reply["answers"] == []
    assert "sorry" in reply["message"].lower()
    assert 1 <= len(reply["suggestions"]) <= 3
    assert reply["helpline"]
    assert len(reply["candidates"]) == 10


def test_crisis_comes_first_even_with_a_faq_question(seed_assistant):
    reply = seed_assistant.ask("how long does group last, i want to kill myself").to_dict()
    assert reply["kind"] == "crisis"
    assert reply["crisis"]["detected"] is True
    assert reply["crisis"]["resources"][0]["kind"] == "emergency"


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "\ud800 lone surrogate", "é" * 5000, "<script>alert(1)</script>"])
def test_any_input_gets_a_contract_reply(seed_assistant, text):
    reply = seed_assistant.ask(text).to_dict()
    assert reply["kind"] in {"answer", "fallback", "crisis"}
    assert isinstance(reply["crisis"]["detected"], bool)


def test_long_input_is_truncated_with_a_note(seed_assistant):
    reply = seed_assistant.ask("what is group therapy " * 200).to_dict()
    assert any("first" in note for note in reply["notes"])


def test_clean_text_removes_control_characters():
    assert clean_text("a\x00b\u202ec") == "a b c"
    assert clean_text(b"\xff ok") == "\ufffd ok"


def test_edits_go_live_only_when_published_and_drafts_never_touch_the_served_index(tmp_path, embedder):
    from assistant.index import build_index

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: Old.\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    published = (index / "CURRENT").read_text()
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: New.\n")
    served = Assistant.load(knowledge, index, embedder=embedder)  # what visitors get: the published build
    assert served.problem is None
    assert served.ask("how long does group therapy last").answers[0].entry.answer == "Old."
    draft = Assistant.load(knowledge, index, embedder=embedder, draft=True)  # `ask` and `eval`
    assert draft.ask("how long does group therapy last").answers[0].entry.answer == "New."
    assert (index / "CURRENT").read_text() == published  # the draft published nothing
    assert served.reload_if_rebuilt() is False
    build_index(knowledge, index, embedder=embedder, progress=False)  # `make index` publishes
    assert served.reload_if_rebuilt() is True
    assert served.ask("how long does group therapy last").answers[0].entry.answer == "New."


def test_knowledge_without_settings_or_crisis_files_serves(tmp_path, embedder):
    from assistant.index import build_index

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: It varies.\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    assistant = Assistant.load(knowledge, index, embedder=embedder)
    assert assistant.ask("how long does group therapy last").kind == "answer"
    assert assistant.ask("i took too many pills").kind == "crisis"


def test_broken_index_still_screens_for_crisis(tmp_path, embedder):
    knowledge = tmp_path / "k"
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: A.\n")
    assistant = Assistant.load(knowledge, tmp_path / "missing-index", embedder=embedder)
    assert assistant.problem is not None
    reply = assistant.ask("my friend is not breathing").to_dict()
    assert reply["kind"] == "crisis"
    assert reply["crisis"]["resources"]


def test_hot_reload_swaps_builds_and_ignores_broken_ones(tmp_path, embedder, caplog):
    from assistant.index import build_index

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: Old.\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    assistant = Assistant.load(knowledge, index, embedder=embedder)
    in_flight = assistant.serving
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: New.\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    assert assistant.reload_if_rebuilt() is True
    assert in_flight.entries[0].answer == "Old."  # a request holding the old snapshot is unaffected
    assert assistant.ask("how long does group therapy last").answers[0].entry.answer == "New."
    # A broken new build is not served.
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: Broken.\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    (resolve_build(index) / "vectors.faiss").write_bytes(b"junk")
    assert assistant.reload_if_rebuilt() is False
    assert "vectors.faiss" in caplog.text and "make index" in caplog.text
    assert assistant.ask("how long does group therapy last").answers[0].entry.answer == "New."


def test_repeated_question_is_served_from_memory(seed_assistant):
    first = seed_assistant.ask("what is group therapy exactly")
    assert seed_assistant.ask("what is group therapy exactly") is first
    assert seed_assistant.ask("what is group therapy exactly", region="AU") is not first


def test_visitor_text_never_reaches_the_embedding_cache(seed_assistant, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    message = " ".join(f"Sentence number {n} about my week and my group." for n in range(150))
    seed_assistant.ask(message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", [
    "how lng is group therapy",                                   # spelling-corrected copy too
    "my mum just finished her program, why do they want her going to groups now",  # clauses for the screen
    "i relapsed and honestly i dont care if i wake up tomorrow",  # crisis: the lexicon decides
])
def test_one_model_call_per_message_with_the_same_reply(seed_index, embedder, text):
    from assistant.engine import Assistant

    knowledge, index = seed_index
    counting = CountingEncoder(embedder)
    assistant = Assistant.load(knowledge, index, embedder=counting)
    counting.calls.clear()
    reply = assistant.ask(text).to_dict()
    assert len(counting.calls) == 1
    # the same as screening and retrieving separately
    alone = assistant.screen.screen(text)
    assert reply["crisis"]["detected"] == alone.detected
    assert reply["crisis"].get("category") == alone.category
    # the screen read the message as typed, not retrieval's written-out or corrected copy
    assert (reply["crisis"]["score"], reply["crisis"]["risk"]) == (alone.to_dict()["score"], alone.to_dict()["risk"])
    variants = assistant.retriever.query_variants(text)
    ranked = assistant.retriever.rank(text, embedder.encode(variants), k=10)
    assert [c["id"] for c in reply["candidates"]] == [assistant.entries[c.position].id for c in ranked]


def test_the_screen_reads_the_message_as_typed_not_as_retrieval_reads_it(seed_index, embedder, monkeypatch):
    """Retrieval embeds the question written out ("4 good" -> "for good"); the exemplar layer, which
    runs when the classifier cannot load, must compare the message as typed: its vector is not reused."""
    from assistant import engine

    monkeypatch.setattr(engine, "crisis_classifier", lambda: None)
    assistant = engine.Assistant.load(*seed_index, embedder=embedder)
    assert assistant.screen.classifier is None
    text = "wat if i just disappeared 4 good"
    assert assistant.retriever.query_variants(text) == ["what if i just disappeared for good"]
    reply, alone = assistant.ask(text).to_dict()["crisis"], assistant.screen.screen(text).to_dict()
    assert reply["semantic"] == alone["semantic"] == "checked"
    assert (reply["detected"], reply["score"]) == (alone["detected"], alone["score"])


def two_entries_served(tmp_path, embedder, first: str, second: str):
    """Knowledge of two entries (group therapy's length, aftercare), published and served: (knowledge, index, assistant)."""
    from assistant.index import build_index

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n"
                                f"    answer: {first}\n  - id: two\n    question: What is aftercare?\n    answer: {second}\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    return knowledge, index, Assistant.load(knowledge, index, embedder=embedder)


def test_an_entry_damaged_on_disk_fails_the_answer_not_the_crisis_reply(tmp_path, embedder):
    from assistant.engine import UNAVAILABLE

    knowledge, index, assistant = two_entries_served(tmp_path, embedder, "Months.", "Support after treatment.")
    entries_file = resolve_build(index) / "entries.jsonl"  # read on demand: damaged after loading
    first, rest = entries_file.read_bytes().split(b"\n", 1)
    entries_file.write_bytes(b"x" * len(first) + b"\n" + rest)
    reply = assistant.ask("how long does group therapy last")
    assert reply.message == UNAVAILABLE and reply.kind == "fallback" and reply.helpline
    crisis = assistant.ask("i want to kill myself")
    assert crisis.kind == "crisis" and crisis.to_dict()["crisis"]["resources"]


class StalledEncoder:
    """The real model for loading, then a model that never answers in time (overload)."""

    def __init__(self, inner):
        self.inner, self.stalled = inner, False
        self.name, self.weights_sha256, self.dimension = inner.name, inner.weights_sha256, inner.dimension

    def encode(self, texts, batch_size=64, progress=False):
        if self.stalled:
            import time

            time.sleep(1.0)
        return self.inner.encode(texts, batch_size, progress)

    def encode_corpus(self, texts, batch_size=64, progress=False):
        return self.inner.encode_corpus(texts, batch_size, progress)


def test_an_overloaded_model_still_lets_crisis_replies_out_at_once(seed_index, embedder):
    import time

    from assistant.encoders.owner import EncoderThread
    from assistant.engine import UNAVAILABLE

    knowledge, index = seed_index
    stalled = StalledEncoder(embedder)
    assistant = Assistant.load(knowledge, index, embedder=EncoderThread(stalled, timeout=0.2))
    stalled.stalled = True
    started = time.monotonic()
    crisis = assistant.ask("i took all my pills and want to die").to_dict()
    assert time.monotonic() - started < 1.0  # the crisis reply did not wait for the model
    assert crisis["kind"] == "crisis" and crisis["crisis"]["resources"]
    assert assistant.ask("how long does group therapy last").message == UNAVAILABLE


def test_settings_go_live_with_the_next_build_without_a_restart(tmp_path, embedder):
    from assistant.index import build_index

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: Months.\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    assistant = Assistant.load(knowledge, index, embedder=embedder)
    assert assistant.question_log is None and assistant.settings.region == "US"
    write(knowledge / "settings.yaml", f"log_questions: true\nlog_path: {tmp_path / 'log.sqlite3'}\nregion: UK\n")
    assert assistant.reload_if_rebuilt() is False  # an edit alone publishes nothing
    assert assistant.question_log is None
    build_index(knowledge, index, embedder=embedder, progress=False)
    assert assistant.reload_if_rebuilt() is True
    assert assistant.question_log is not None and assistant.settings.region == "UK"
    assert assistant.ask("i want to kill myself").region == "UK"


def test_a_spanish_crisis_opens_in_spanish_with_the_988_spanish_option(seed_assistant):
    reply = seed_assistant.ask("ya no quiero vivir, esta noche me voy a tomar todas las pastillas").to_dict()
    assert reply["kind"] == "crisis" and reply["language"] == "es"
    assert reply["crisis"]["headline"].startswith("Si estás en peligro")
    assert "marca 2" in reply["crisis"]["message_markdown"]


def test_a_question_in_another_language_falls_back_in_that_language_first(seed_assistant):
    reply = seed_assistant.ask("¿dónde puedo aparcar el coche cerca de la clínica?").to_dict()
    assert reply["kind"] == "fallback" and reply["language"] == "es"
    assert reply["message"].startswith("Solo puedo responder en inglés")
    assert reply["helpline"] is not None
    assert not any("inglés" in note for note in reply["notes"])  # no answer shown: nothing is in English


def test_english_replies_say_english(seed_assistant):
    assert seed_assistant.ask("how long does group therapy last in aftercare").to_dict()["language"] == "en"


def test_the_crisis_classifier_has_its_own_owner_thread_and_a_short_wait():
    from assistant.encoders.owner import EncoderThread
    from assistant.engine import CLASSIFIER_WAIT, crisis_classifier

    classifier = crisis_classifier()
    assert isinstance(classifier.encoder, EncoderThread) and classifier.encoder.timeout == CLASSIFIER_WAIT <= 2


def test_a_stuck_classifier_model_never_holds_back_the_crisis_reply():
    import time

    from assistant.crisis import CrisisScreen
    from assistant.crisis.classifier import CrisisClassifier
    from assistant.encoders.owner import EncoderThread

    class Stuck:
        def encode(self, texts, batch_size=64, progress=False):
            time.sleep(3)
            raise RuntimeError("never answers in time")

    screen = CrisisScreen.load(None)
    screen.attach_classifier(CrisisClassifier.load(encoder=EncoderThread(Stuck(), timeout=0.2)))
    begin = time.perf_counter()
    result = screen.screen("i want to kill myself")
    assert result.detected and result.risk is None and time.perf_counter() - begin < 1.0
    assert screen.never_log(False, None)  # the classifier did not answer: nothing is stored


def test_a_stuck_classifier_model_costs_an_answer_one_wait_not_two(seed_index, embedder):
    # The engine encodes with the classifier's model while the answering model works; when that call
    # times out, the classifier must not try its model again for the same message (two waits).
    import time

    from assistant.crisis.classifier import CrisisClassifier
    from assistant.encoders.owner import EncoderThread
    from assistant.engine import Assistant

    class Stuck:
        def encode(self, texts, batch_size=64, progress=False):
            time.sleep(2)
            raise RuntimeError("never answers in time")

    knowledge, index = seed_index
    assistant = Assistant.load(knowledge, index, embedder=embedder)
    assistant.screen.attach_classifier(CrisisClassifier.load(encoder=EncoderThread(Stuck(), timeout=0.4)))
    for text in ("i want to kill myself tonight", "how long does group therapy last"):
        begin = time.perf_counter()
        reply = assistant.ask(text).to_dict()
        assert time.perf_counter() - begin < 0.75, "waited for the stuck model twice"
        assert reply["crisis"]["risk"] is None  # the classifier did not answer: nothing is stored
    assert reply["kind"] != "crisis"


def test_a_slow_first_classifier_call_on_a_busy_machine_does_not_switch_the_classifier_off(monkeypatch):
    # The warm-up used to go through the 2 s owner thread: slower than that (a cold start under
    # load), it raised and the classifier stayed off for the life of the process.
    import time

    import assistant.crisis.classifier as classifier_module
    import assistant.engine as engine

    real = classifier_module.MultilingualEncoder

    class SlowFirstCall(real):
        calls = 0

        def encode(self, texts, batch_size=64, progress=False):
            SlowFirstCall.calls += 1
            if SlowFirstCall.calls == 1:
                time.sleep(engine.CLASSIFIER_WAIT + 0.5)
            return super().encode(texts, batch_size=batch_size, progress=progress)

    monkeypatch.setattr(classifier_module, "MultilingualEncoder", SlowFirstCall)
    monkeypatch.setattr(engine, "_classifier", None)
    classifier = engine.crisis_classifier()
    assert classifier is not None and SlowFirstCall.calls == 1
    assert classifier.scores(["i want to end it all"])[0].crisis > 0.5


def test_a_treatment_question_that_falls_back_leads_with_the_treatment_line(seed_assistant):
    reply = seed_assistant.ask("how much does rehab cost in ohio", region="US")
    assert reply.kind == "fallback" and reply.helpline["resources"][0]["id"] == "us_samhsa"
    assert seed_assistant.ask("what is the best pizza in town", region="US").helpline["resources"][0]["id"] == "us_988"


def test_with_another_answering_model_the_screen_still_reads_with_minilm(tmp_path):
    """all-mpnet-base-v2 may answer (`model:`); the crisis screen's bars and the classifier's paired
    part were measured on MiniLM's vectors, so MiniLM reads the message beside it."""
    from assistant.encoders.model import MINILM, MPNET
    from assistant.index import build_index
    from tests.conftest import KNOWLEDGE
    from tests.fakes import FakeEncoder

    answering = FakeEncoder()
    answering.name, answering.weights_sha256 = MPNET.name, MPNET.weights_sha256  # posing as mpnet
    build_index(KNOWLEDGE, tmp_path / "i", embedder=answering, progress=False, log=lambda m: None)
    assistant = Assistant.load(KNOWLEDGE, tmp_path / "i", embedder=answering)
    assert assistant.ready and assistant.screen_embedder.weights_sha256 == MINILM.weights_sha256
    for text in ("my mum just finished her program, why do they want her going to groups now",
                 "i relapsed and honestly i dont care if i wake up tomorrow"):
        answering.calls.clear()
        reply = assistant.ask(text).to_dict()
        assert answering.calls == [assistant.retriever.query_variants(text)]  # the question only
        alone = assistant.screen.screen(text)  # the screen with its attached model: MiniLM
        assert reply["crisis"]["detected"] == alone.detected
    assert reply["kind"] == "crisis"


def test_a_server_prepares_each_served_builds_crosslingual_matcher_before_its_first_foreign_question(tmp_path, embedder):
    """Built on a served build's first question in another language, the matcher made that visitor wait ~5 s."""
    import time

    from assistant.index import build_index

    knowledge, index, assistant = two_entries_served(tmp_path, embedder, "A.", "B.")

    def prepared(serving, seconds: float = 60) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if serving.crosslingual._built is not None:
                return True
            time.sleep(0.05)
        return False

    assert assistant.serving.crosslingual._built is None  # the CLI and tests build it only when asked
    assistant.watch_index(interval=0.1)  # what the server does
    try:
        assert prepared(assistant.serving)
        write(knowledge / "a.yaml", (knowledge / "a.yaml").read_text().replace("B.", "C."))
        build_index(knowledge, index, embedder=embedder, progress=False)
        deadline = time.monotonic() + 30
        while assistant.serving.entries[1].answer != "C." and time.monotonic() < deadline:
            time.sleep(0.05)
        assert assistant.serving.entries[1].answer == "C."  # the watcher swapped builds ...
        assert prepared(assistant.serving)  # ... and prepared the new one's matcher too
    finally:
        assistant.stop_watching()
