"""assistant/crosslingual.py: questions in other languages matched to the vetted English entries."""
from __future__ import annotations

from assistant.crosslingual import MAX_ENTRIES, CrossLingual, LazyCrossLingual
from assistant.knowledge import Entry
from tests.fakes import FakeEncoder


def entry(entry_id: str, question: str, answer: str) -> Entry:
    return Entry(id=entry_id, type="faq", answer=answer, question=question, source="test")


ENTRIES = [entry("a", "how long does group therapy last", "Usually twelve weeks."),
           entry("b", "can family members join the group", "Yes, on family nights.")]


def test_the_entry_sharing_the_question_comes_first():
    matcher = CrossLingual(ENTRIES, FakeEncoder(), weight=0.3)
    ranking = matcher.rank("family members join")
    assert [m.position for m in ranking.matches] == [1, 0]
    assert ranking.matches[0].score > ranking.matches[1].score and not ranking.not_covered


def test_a_question_like_a_not_covered_one_is_flagged():
    matcher = CrossLingual(ENTRIES, FakeEncoder(), weight=0.3, not_covered=["how much does parking cost"])
    assert matcher.rank("how much does parking cost").not_covered


def test_staff_alternates_in_other_languages_are_views_of_their_entry_only_here():
    from dataclasses import replace

    from assistant.index.views import entry_views

    spanish = [ENTRIES[0], replace(ENTRIES[1], other_alternates=(("es", "pueden venir los familiares"),))]
    assert CrossLingual(ENTRIES, FakeEncoder(), weight=0.3).rank("pueden venir los familiares").matches[0].score < 0.5
    ranking = CrossLingual(spanish, FakeEncoder(), weight=0.3).rank("pueden venir los familiares")
    assert ranking.matches[0].position == 1 and ranking.matches[0].score > 0.99
    assert all("familiares" not in view.text for view in entry_views(1, spanish[1]))  # the English index never


def test_lazy_builds_once_and_gives_up_quietly():
    encoder = FakeEncoder()
    lazy = LazyCrossLingual(ENTRIES, lambda: encoder, 0.3)
    assert lazy.get() is lazy.get() is not None
    assert LazyCrossLingual(ENTRIES, lambda: None, 0.3).get() is None  # no multilingual model
    too_many = [ENTRIES[0]] * (MAX_ENTRIES + 1)
    assert LazyCrossLingual(too_many, lambda: encoder, 0.3).get() is None

    class Broken:
        def encode(self, texts):
            raise RuntimeError("model failed")

    assert LazyCrossLingual(ENTRIES, lambda: Broken(), 0.3).get() is None


def test_a_spanish_question_gets_the_english_answer_with_a_spanish_note(seed_assistant):
    reply = seed_assistant.ask("¿cuánto tiempo dura la terapia de grupo en los programas de seguimiento?").to_dict()
    assert reply["kind"] == "answer" and reply["answers"][0]["id"] == "faq-duration"
    assert reply["notes"][0] == "La respuesta verificada está en inglés."


def test_its_trained_parts_are_kept_in_the_model_cache_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    first = CrossLingual(ENTRIES, FakeEncoder(), weight=0.3, not_covered=["parking"])
    encoder = FakeEncoder()
    again = CrossLingual(ENTRIES, encoder, weight=0.3, not_covered=["parking"])
    assert encoder.calls == [] and len(list(tmp_path.glob("multilingual-*.npz"))) == 1  # nothing encoded
    assert again.rank("family members join") == first.rank("family members join")
    edited = [ENTRIES[0], entry("b", "can partners join the group", "Yes, on family nights.")]
    CrossLingual(edited, encoder, weight=0.3, not_covered=["parking"])
    assert encoder.calls and len(list(tmp_path.glob("multilingual-*.npz"))) == 2  # other knowledge, its own


def test_a_damaged_cache_file_is_trained_again(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    CrossLingual(ENTRIES, FakeEncoder(), weight=0.3)
    for path in tmp_path.glob("multilingual-*.npz"):
        path.write_bytes(b"not an npz")
    encoder = FakeEncoder()
    assert CrossLingual(ENTRIES, encoder, weight=0.3).rank("family members join").matches[0].position == 1
    assert encoder.calls


def test_its_signal_is_what_it_ranks_by():
    matcher = CrossLingual(ENTRIES, FakeEncoder(), weight=0.3)
    signal = matcher.signal(FakeEncoder().encode(["family members join"])[0])
    scores = {m.position: m.score for m in matcher.rank("family members join").matches}
    for position in (0, 1):
        assert abs(scores[position] - (signal.dense[position] + 0.3 * signal.probability[position])) < 1e-6
    assert abs(signal.probability.sum() - 1.0) < 1e-6 and signal.dense[1] > signal.dense[0]


def test_without_a_vector_or_when_it_fails_there_is_no_signal_and_no_error():
    from assistant.crosslingual import signal_of

    class Broken:
        def signal(self, vector):
            raise ValueError("shapes do not match")

    vectors = FakeEncoder().encode(["family members join"])
    matcher = CrossLingual(ENTRIES, FakeEncoder(), weight=0.3)
    assert signal_of(matcher, vectors).dense.shape == (2,)
    assert signal_of(Broken(), vectors) is None and signal_of(None, vectors) is None
    assert signal_of(matcher, None) is None and signal_of(matcher, vectors[:0]) is None
