"""Staff hide a learner from every board: check who, then store it and queue their boards."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from config.exceptions import NotFound
from leaderboard.privacy import learner_hide, learner_unhide
from learning.services.erasure import ERASED_USERNAME_PREFIX


def _existing(user_id: int, *, erased_too: bool = True) -> None:
    users = get_user_model().objects.filter(pk=user_id)
    if not erased_too:
        users = users.exclude(username__startswith=ERASED_USERNAME_PREFIX)
    if not users.exists():
        raise NotFound(f"User {user_id} not found.", code="unknown_user")


def board_hide(*, actor: AbstractBaseUser, user_id: int, reason: str) -> dict:
    """Hide a learner from every board at once, saying why (staff); an erased user is gone
    from every board already, and a hide would record a reason about them anew."""
    _existing(user_id, erased_too=False)
    return learner_hide(user_id=user_id, reason=reason, by=actor.pk)


def board_unhide(*, actor: AbstractBaseUser, user_id: int) -> dict:
    """Lift a staff hide (staff)."""
    _existing(user_id)
    return learner_unhide(user_id=user_id, by=actor.pk)
