"""The JSON contract and the terminal reply, from the data classes at the boundary."""
import json

from assistant.knowledge import Entry
from assistant.responses import Hit, Response

FAQ = Entry(id="faq-one", type="faq", question="How long does it last?", answer="Months.", source="Article",
            reviewed="2026-11-26")
PASSAGE = Entry(id="passage-one", type="passage", title="Aftercare", answer="Support after treatment.")
CONTRACT = {"query", "kind", "crisis", "answers", "candidates", "suggestions", "message", "helpline", "region",
            "notes", "index", "language"}


def test_the_contract_has_every_key_and_is_json():
    reply = Response(query="q", kind="answer", crisis={"detected": False}, answers=[Hit(FAQ, 0.91234)],
                     candidates=[Hit(FAQ, 0.91234), Hit(PASSAGE, 0.5)], region="US")
    data = json.loads(json.dumps(reply.to_dict()))
    assert set(data) == CONTRACT
    assert data["answers"] == [{"id": "faq-one", "score": 0.9123, "type": "faq", "question": "How long does it last?",
                                "answer": "Months.", "source": "Article", "reviewed": "2026-11-26"}]
    assert data["candidates"][1] == {"id": "passage-one", "score": 0.5}


def test_a_passage_is_shown_by_its_title():
    data = Response(query="q", kind="answer", crisis={}, answers=[Hit(PASSAGE, 0.8)]).to_dict()
    assert data["answers"][0]["title"] == "Aftercare" and "question" not in data["answers"][0]


def test_the_terminal_reply_puts_crisis_lines_first():
    reply = Response(query="q", kind="crisis", crisis={"message_markdown": "Call 911."}, answers=[Hit(FAQ, 0.9)])
    text = reply.to_text()
    assert text.startswith("Call 911.") and text.index("Call 911.") < text.index("Months.")


def test_a_fallback_lists_suggestions_and_the_helpline():
    reply = Response(query="q", kind="fallback", crisis={}, message="No vetted answer.", suggestions=[Hit(FAQ, 0.4)],
                     helpline={"text": "Call 988 any time."})
    text = reply.to_text()
    assert "No vetted answer." in text and "How long does it last?" in text and text.rstrip().endswith("988 any time.")


def test_the_closest_questions_are_introduced_once():
    reply = Response(query="q", kind="fallback", crisis={}, message="No vetted answer. The closest ones:",
                     suggestions=[Hit(FAQ, 0.4)])
    assert reply.to_text().count("losest") == 1
    reply = Response(query="q", kind="fallback", crisis={}, message="No vetted answer.", suggestions=[Hit(FAQ, 0.4)])
    assert "Closest questions we do have answers for:" in reply.to_text()
