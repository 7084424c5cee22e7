"""The entry classifier and the not-covered detector, with the real model."""
import numpy as np
import pytest

from assistant.index import index_entries
from assistant.knowledge import load_knowledge
from assistant.policy import decide
from assistant.retrieval import Retriever
from assistant.settings import Settings
from tests.conftest import KNOWLEDGE

# Topics knowledge/not_covered.yaml lists, worded unlike any of its lines (written for this test,
# none taken from the evaluation sets). One was still answered when it was written ("each week",
# shown faq-duration): the detector reads "group therapy" as the knowledge's own topic.
UNANSWERED = [
    "what's the price of going to the aftercare sessions",
    "are any of the meetings held on thursday evenings",
    "do you have to get clean in detox before you're allowed to join",
    "can the group leader write a letter to my lawyer",
    "how much is the weekly aftercare group fee",
    "is group therapy covered by my insurance plan",
    "what time do aftercare groups usually start in the evening",
    "how many group sessions are there each week in aftercare",
    "do i need to go through detox before group therapy",
    "can i join the aftercare group online over video",
    "is there a group therapy program for teenagers",
    "how do i sign my son up for group therapy",
]
# Questions an entry answers, some close to those topics in wording.
ANSWERED = {
    "how many months does group therapy usually go on for": "faq-duration",
    "is a group enough or do i still need one to one sessions": "faq-group-vs-individual",
    "what actually happens in group therapy": "faq-what-is-group-therapy",
    "does aftercare group help me not relapse": "faq-role-in-aftercare",
}


# The policy these tests were written against (2026-11-30): thresholds low enough that, without the list, most
# of UNANSWERED got an answer. Since the answer policy also keeps wrong answers under 3% (2026-12-02), its higher
# bar alone sends most of them to the fallback; the list's own effect is measured at this one.
WRITTEN_AGAINST = Settings(min_score=0.41, confident_score=0.70, unknown_word_penalty=1.0, not_covered_weight=1.25)


@pytest.fixture(scope="module")
def retrievers(embedder):
    knowledge = load_knowledge(KNOWLEDGE)
    assert len(knowledge.not_covered) >= 50
    for line in UNANSWERED:
        assert line not in knowledge.not_covered
    with_list = index_entries(list(knowledge.entries), embedder, not_covered=knowledge.not_covered)
    without = index_entries(list(knowledge.entries), embedder)
    assert with_list.not_covered == len(knowledge.not_covered) and with_list.not_covered_detector[0].shape == (384,)
    assert without.not_covered == 0 and without.not_covered_detector is None
    # the entry classifier is the same either way: the list takes no probability from entries
    assert np.array_equal(with_list.classifier[0], without.classifier[0])
    return (Retriever.from_settings(with_list, WRITTEN_AGAINST),
            Retriever.from_settings(without, WRITTEN_AGAINST))


def _best(retriever, embedder, question):
    return retriever.rank(question, embedder.encode(retriever.query_variants(question)), k=10)


def test_the_not_covered_list_turns_near_topic_answers_into_fallbacks(retrievers, embedder):
    with_list, without = retrievers
    answered_before, answered_after = set(), set()
    for question in UNANSWERED:
        if decide(_best(without, embedder, question), WRITTEN_AGAINST).confident:
            answered_before.add(question)
        ranked = _best(with_list, embedder, question)
        if decide(ranked, WRITTEN_AGAINST).confident:
            answered_after.add(question)
        else:
            assert ranked[0].score <= _best(without, embedder, question)[0].score
    assert answered_after <= answered_before  # the list never makes the assistant answer more
    # 5 of 12 were answered without the list, 1 with it, when this was written (2026-11-30)
    assert len(answered_before) >= 4 and len(answered_after) <= len(answered_before) / 2, answered_after


@pytest.mark.parametrize("question, entry_id", ANSWERED.items())
def test_answered_questions_are_not_taken_for_not_covered(retrievers, embedder, question, entry_id):
    with_list, _ = retrievers
    ranked = _best(with_list, embedder, question)
    decision = decide(ranked, WRITTEN_AGAINST)
    assert decision.confident and with_list.index.entries[decision.shown[0].position].id == entry_id


def test_without_a_list_nothing_is_subtracted(retrievers, embedder):
    _, without = retrievers
    assert all(c.not_covered == 0.0 for c in _best(without, embedder, UNANSWERED[0]))


def test_detector_training_is_deterministic_and_samples_large_knowledge(monkeypatch, embedder):
    from assistant.index import classifier

    knowledge = embedder.encode(["what is group therapy", "how long does it last", "why go after rehab"])
    unanswered = embedder.encode(["how much does it cost"])
    first = classifier.train_not_covered_detector(knowledge, unanswered)
    assert first[0].shape == (384,)
    again = classifier.train_not_covered_detector(knowledge, unanswered)
    assert np.array_equal(first[0], again[0]) and first[1] == again[1]
    assert classifier.not_covered_probability(first, unanswered) > 0.5
    assert classifier.not_covered_probability(first, knowledge[:1]) < 0.5
    assert classifier.not_covered_probability(None, unanswered) == 0.0
    assert classifier.train_not_covered_detector(knowledge, unanswered[:0]) is None
    monkeypatch.setattr(classifier, "DETECTOR_SAMPLE", 2)  # a seeded sample: still the same each time
    sampled = classifier.train_not_covered_detector(knowledge, unanswered)
    assert np.array_equal(sampled[0], classifier.train_not_covered_detector(knowledge, unanswered)[0])
