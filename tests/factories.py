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


def rules_course_payload(*, slug: str = "rules-course") -> dict:
    """A course that uses every unlock rule type, referring to elements by key."""
    return {
        "title": "Data science path", "slug": slug, "unlock_mode": "open", "published": True,
        "sections": [
            {"key": "s-intro", "title": "Start here", "lessons": [
                {"key": "l-welcome", "title": "Welcome", "items": [
                    {"key": "video-welcome", "title": "Welcome video", "kind": "video"},
                    {"key": "quiz-1", "title": "Quiz 1", "kind": "quiz", "pass_marks": 5, "questions": [
                        {"prompt": "1+1?", "choices": ["2", "3"], "answer": 0, "marks": 5},
                        {"prompt": "2*3?", "choices": ["5", "6"], "answer": 1, "marks": 5}]},
                ]},
            ]},
            {"key": "s-core", "title": "Core", "rules": {"completed": "s-intro"}, "lessons": [
                {"key": "l-stats", "title": "Statistics",
                 "rules": {"completed": "quiz-1", "min_score_percent": 60},
                 "items": [
                     {"key": "article-mean", "title": "The mean", "kind": "article"},
                     {"key": "project", "title": "Project", "kind": "assignment", "max_marks": 50,
                      "pass_marks": 25,
                      "rules": {"all": [{"completed": "article-mean"},
                                        {"any": [{"available_after_days": 7},
                                                 {"available_from": "2030-01-01T00:00:00Z"}]}]}},
                 ]},
            ]},
        ],
    }
