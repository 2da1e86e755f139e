"""Writes of learners: accounts (passwords checked) and the public profile boards show."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.exceptions import Conflict, InvalidInput
from learning.documents import LearnerProfile
from learning.selectors import profile_cache_forget


def user_create(*, username: str, password: str, display_name: str, avatar_url: str = "",
                is_staff: bool = False) -> AbstractBaseUser:
    """Create a Django user and their learner profile; the password must pass the validators."""
    User = get_user_model()
    password_check(password=password, username=username)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, is_staff=is_staff)
    except IntegrityError as exc:
        raise Conflict(f"Username '{username}' is taken.", code="username_taken") from exc
    profile_upsert(user_id=user.pk, display_name=display_name, avatar_url=avatar_url)
    return user


def password_check(*, password: str, username: str) -> None:
    """Refuse (400, naming each failed rule) a password Django's validators refuse."""
    try:
        validate_password(password, user=get_user_model()(username=username))
    except ValidationError as exc:
        raise InvalidInput("password: " + " ".join(exc.messages), code="password_invalid",
                           extra={"password": exc.messages}) from exc


def profile_upsert(*, user_id: int, display_name: str, avatar_url: str = "") -> None:
    """Create or update the public profile shown on leaderboards."""
    LearnerProfile.objects(user_id=user_id).update_one(
        set__display_name=display_name, set__avatar_url=avatar_url or "", upsert=True)
    profile_cache_forget(user_id=user_id)
