"""Q2.a material for the solution key: reference code and the autograder's checks."""

from __future__ import annotations


def grading_context() -> dict:
    return {"available": False, "note": "The Q2.a autograder is not built yet."}
