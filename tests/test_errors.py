"""Errors say what, where and what to do; each kind maps to one exit code of the CLI."""
from assistant.errors import (
    AssistantError,
    IndexError_,
    KnowledgeError,
    ModelError,
    Problem,
    SettingError,
    StaleIndexError,
)


def test_a_problem_reads_as_file_line_message():
    assert str(Problem("knowledge/faq.yaml", 12, "answer is empty")) == "knowledge/faq.yaml:12: answer is empty"


def test_a_knowledge_error_carries_every_problem():
    problems = [Problem("a.yaml", 1, "one"), Problem("b.yaml", 2, "two")]
    error = KnowledgeError(problems)
    assert error.problems == problems
    assert str(error) == "a.yaml:1: one\nb.yaml:2: two"


def test_exit_codes_by_kind():
    assert {cls: cls.exit_code for cls in (AssistantError, KnowledgeError, SettingError, ModelError, IndexError_,
                                           StaleIndexError)} == {
        AssistantError: 1, KnowledgeError: 2, SettingError: 2, ModelError: 3, IndexError_: 4, StaleIndexError: 4}
