"""Course payloads used across tests."""
from __future__ import annotations


def python_course_payload(*, slug: str = "intro-python", unlock_mode: str = "sequential",
                          published: bool = True) -> dict:
    """A realistic two-section course: video, quiz and assignment, then an article and a quiz."""
    return {
        "title": "Intro to Python", "slug": slug, "unlock_mode": unlock_mode, "published": published,
        "sections": [
            {"title": "Basics", "lessons": [
                {"title": "Variables", "items": [
                    {"title": "Watch: variables", "kind": "video"},
                    {"title": "Quiz 1", "kind": "quiz", "pass_marks": 6, "questions": [
                        {"prompt": "2+2?", "choices": ["3", "4"], "answer": 1, "marks": 5},
                        {"prompt": "type(1)?", "choices": ["int", "str"], "answer": 0, "marks": 5}]},
                    {"title": "Homework", "kind": "assignment", "max_marks": 20, "pass_marks": 10},
                ]},
            ]},
            {"title": "Control flow", "lessons": [
                {"title": "If statements", "items": [
                    {"title": "Read: if", "kind": "article"},
                    {"title": "Quiz 2", "kind": "quiz", "questions": [
                        {"prompt": "if 0: runs?", "choices": ["yes", "no"], "answer": 1, "marks": 4}]},
                ]},
            ]},
        ],
    }


def item_ids(course: dict) -> list[str]:
    """Ids of every item of a course response, in course order."""
    return [i["id"] for s in course["sections"] for lesson in s["lessons"] for i in lesson["items"]]
