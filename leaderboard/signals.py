"""What the leaderboard app announces; the flows connect the receivers (flows/receivers.py)."""
from __future__ import annotations

from django.dispatch import Signal

# Sent by a learner's score update that changed who is in the course's all-time top N.
# Arguments: course_id, order (of that update), top_n, entered [(user_id, rank)], left [user_id].
top_changed = Signal()
