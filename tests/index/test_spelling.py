from assistant.index import build_index, load_index
from assistant.index.spelling import known_misspellings
from assistant.knowledge import Entry, load_knowledge
from assistant.retrieval import Retriever
from assistant.settings import Settings
from tests.conftest import write

KNOWLEDGE = (
    "entries:\n"
    "  - id: aftercare\n    question: What is the role of group therapy in aftercare?\n"
    "    answer: It keeps supporting people after treatment.\n"
    "    alternates: [aftercare groop therapy, it gets tougher after rehab, reconnect after rehab]\n"
    "  - id: works\n    question: Does group therapy work?\n"
    "    answer: Research shows group therapy helps many people stay in recovery.\n"
)


def test_misspellings_in_alternates_are_found_and_real_words_are_not(tmp_path):
    write(tmp_path / "a.yaml", KNOWLEDGE)
    found = known_misspellings(load_knowledge(tmp_path).entries)
    assert found == {"groop": "group"}  # "tougher" and "reconnect" are English words, not misspellings
    entry = Entry(id="x", type="faq", answer="Ask your doctor about Suboxone.", question="Medication?",
                  alternates=("suboxone for opioids", "naloxone kit"))
    assert known_misspellings([entry]) == {}  # drug names are not close to another word of the knowledge


def test_a_misspelt_alternate_no_longer_takes_every_question_with_that_misspelling(tmp_path, embedder):
    # Issue #18: "does groop therapy work" was answered with the aftercare entry (score 1.01) because
    # the alternate "aftercare groop therapy" made "groop" a known word that was never corrected.
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", KNOWLEDGE)
    build_index(knowledge, index, embedder=embedder, progress=False)
    loaded = load_index(index)
    assert loaded.misspellings == {"groop": "group"}
    retriever = Retriever.from_settings(loaded, Settings())
    assert retriever.query_variants("does groop therapy work") == ["does group therapy work"]
    top = retriever.rank("does groop therapy work", embedder.encode(retriever.query_variants("does groop therapy work")))
    assert loaded.entries[top[0].position].id == "works"
