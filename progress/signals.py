"""What the progress app announces; the flows connect the receivers (flows/receivers.py)."""
from __future__ import annotations

from django.dispatch import Signal

# Sent once per learner and course, by the computation that first found the course complete.
# Arguments: user_id, course_id, completed_at.
course_completed = Signal()
# Sent once per learner and course, by the computation that first found the grade passing.
# Arguments: user_id, course_id, passed_at, grade_percent.
course_passed = Signal()
