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
