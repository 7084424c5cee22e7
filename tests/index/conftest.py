"""Small knowledge files shared by the index tests."""

MINIMAL = "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: It varies.\n"
TWO = MINIMAL + (
    "  - id: two\n    question: Is group therapy confidential?\n"
    "    alternates: [do people keep what I say private]\n    answer: Members agree to keep it private.\n")
