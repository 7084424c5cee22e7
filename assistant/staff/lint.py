"""Staff checks on the knowledge beyond validity: things that make visitors miss answers.

- near-duplicate questions: two entries whose questions are so alike they steal each other's visitors
- self-retrieval ("test-all"): every question and alternate must retrieve its own entry first
- `not_covered:` questions that read like an entry's own phrasing (the two lists contradict)
- empty or over-long answers, unknown fields
- review dates and crisis lines due for a check (review.py)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import Problem
from assistant.knowledge import Knowledge

# all-MiniLM rates distinct questions that share a long topic phrase at 0.93-0.94 ("What is group
# therapy in drug intervention?" / "How does group therapy aid in drug intervention?"), and real
# rewordings of one question at 0.95-0.97 ("What are the benefits / advantages of group therapy?").
NEAR_DUPLICATE = 0.95
# The shipped not_covered lines sit at most 0.74 from any entry phrasing; 0.90 and above is a
# rewording of that phrasing (see NEAR_DUPLICATE), which the not-covered detector would then fight.
NOT_COVERED_CONFLICT = 0.90
MAX_ANSWER_WORDS = {"faq": 150, "passage": 250}


@dataclass(frozen=True)
class Misroute:
    """A phrasing of one entry that retrieves another entry first."""

    entry_id: str
    text: str
    retrieved: str
    file: str
    line: int

    def problem(self) -> Problem:
        return Problem(self.file, self.line, f"entry {self.entry_id!r}: {self.text!r} retrieves "
                                             f"{self.retrieved!r} first; reword it or move it to that entry")


def text_findings(knowledge: Knowledge, today: dt.date | None = None) -> list[Problem]:
    """Checks that need no model."""
    today = today or dt.date.today()
    findings = list(knowledge.warnings)
    for entry in knowledge.entries:
        words = len(entry.answer.split())
        limit = MAX_ANSWER_WORDS[entry.type]
        if words == 0:
            findings.append(Problem(entry.file, entry.line_of("answer"), f"entry {entry.id!r}: the answer is empty"))
        elif words > limit:
            findings.append(Problem(entry.file, entry.line_of("answer"), (
                f"entry {entry.id!r}: the answer has {words} words; keep it under {limit} so it fits a phone "
                "screen")))
    # Review dates (overdue, due soon, missing, contradicting) and crisis lines not verified lately.
    from assistant.staff.review import review_status

    findings += review_status(knowledge, today).problems()
    return findings


def misspelt_alternates(knowledge: Knowledge) -> list[Problem]:
    """Alternates with a word that looks like a misspelling of one of the knowledge's words: the
    assistant reads it as the real word anyway (index/spelling.py), so the alternate should say it right."""
    from assistant.index.spelling import WORD, known_misspellings

    misspelt = known_misspellings(knowledge.entries)
    findings = []
    for entry in knowledge.entries:
        for i, text in enumerate(entry.alternates):
            words = [w for w in WORD.findall(text) if w.lower() in misspelt]
            if words:
                fixes = ", ".join(f"{w!r} (for {misspelt[w.lower()]!r})" for w in words)
                findings.append(Problem(entry.file, entry.line_of(f"alternates.{i}"), (
                    f"entry {entry.id!r}: the alternate {text!r} has what looks like a misspelling: {fixes}. "
                    "Write it correctly: visitors' misspellings are corrected anyway, and a misspelt alternate "
                    "would stop that word being corrected")))
    return findings


def near_duplicates(knowledge: Knowledge, embedder, threshold: float = NEAR_DUPLICATE) -> list[Problem]:
    # A chunked passage shares one title across its chunks: compare its first chunk only.
    entries = [e for e in knowledge.entries if "/" not in e.id or e.id.endswith("/1")]
    if len(entries) < 2:
        return []
    vectors = embedder.encode([e.heading for e in entries])
    similarity = vectors @ vectors.T
    findings = []
    for i, j in zip(*np.triu_indices(len(entries), k=1)):
        if similarity[i, j] >= threshold:
            a, b = entries[i], entries[j]
            findings.append(Problem(b.file, b.line, f"entry {b.id!r} and entry {a.id!r} ({a.file}:{a.line}) have "
                                                    f"near-duplicate questions (similarity {similarity[i, j]:.2f}); "
                                                    "merge them or make the questions distinct"))
    return findings


def not_covered_conflicts(knowledge: Knowledge, embedder, threshold: float = NOT_COVERED_CONFLICT) -> list[Problem]:
    """`not_covered:` questions that an entry's question or alternate says almost word for word."""
    if not knowledge.not_covered or not knowledge.entries:
        return []
    phrasings = [(e, text) for e in knowledge.entries for text in (e.heading, *e.alternates)]
    similarity = embedder.encode(list(knowledge.not_covered)) @ embedder.encode([t for _, t in phrasings]).T
    findings = []
    for question, row in zip(knowledge.not_covered, similarity):
        best = int(row.argmax())
        if row[best] >= threshold:
            entry, text = phrasings[best]
            findings.append(Problem(entry.file, entry.line, (
                f"{question!r} is listed under `not_covered:` but reads like {text!r} of entry {entry.id!r} "
                f"(similarity {row[best]:.2f}); remove it from `not_covered:` if the entry answers it")))
    return findings


def misroutes(knowledge: Knowledge, retriever, embedder) -> list[Misroute]:
    """Every question and alternate, asked as a visitor would: which ones land elsewhere?"""
    from assistant.evaluation.answers import rank_all

    probes = [(e, text) for e in knowledge.entries for text in (e.heading, *e.alternates)]
    ranked = rank_all(retriever, embedder, [text for _, text in probes], k=1)
    found = []
    for (entry, text), candidates in zip(probes, ranked):
        top = retriever.index.entries[candidates[0].position]
        if top.id.split("/")[0] != entry.id.split("/")[0]:
            found.append(Misroute(entry.id, text, top.id, entry.file, entry.line))
    return found


def check_knowledge(knowledge_dir: Path, embedder=None, settings=None, today: dt.date | None = None) -> list[Problem]:
    """All findings for `python -m assistant check` (KnowledgeError when invalid). `today`: the date
    review dates are compared with (tests fix it: a test must not start failing with the calendar)."""
    from assistant.crisis import overlay_problems
    from assistant.errors import KnowledgeError
    from assistant.index import index_entries
    from assistant.knowledge import load_knowledge
    from assistant.retrieval import Retriever
    from assistant.settings import Settings

    knowledge = load_knowledge(knowledge_dir)
    crisis_problems = overlay_problems(knowledge_dir)
    if crisis_problems:  # a crisis line that would be dropped is an error, as in the entries
        raise KnowledgeError(crisis_problems)
    findings = text_findings(knowledge, today)
    if embedder is None:
        from assistant.encoders import reference_encoder

        embedder = reference_encoder()
    settings = settings or Settings.load(knowledge_dir)
    findings += misspelt_alternates(knowledge)
    findings += near_duplicates(knowledge, embedder)
    findings += not_covered_conflicts(knowledge, embedder)
    memory = index_entries(list(knowledge.entries), embedder, not_covered=knowledge.not_covered)
    retriever = Retriever.from_settings(memory, settings)
    findings += [m.problem() for m in misroutes(knowledge, retriever, embedder)]
    return findings
