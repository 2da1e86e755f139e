"""API tokens that expire AUTH_TOKEN_TTL_SECONDS after they were issued, checked against the SQL
database at most once per AUTH_TOKEN_CACHE_SECONDS per process."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from config.process_cache import ProcessCache

# Tokens (with their users) this process has checked lately. A revocation made here takes
# effect at once (token_forget); one made elsewhere, or a user deactivated or demoted, within
# AUTH_TOKEN_CACHE_SECONDS. Bounded, so a flood of distinct tokens cannot grow it.
_CHECKED = ProcessCache("AUTH_TOKEN_CACHE_SECONDS", maxsize=10_000)


def token_expired(token) -> bool:
    """The token is older than AUTH_TOKEN_TTL_SECONDS (never, when that is 0)."""
    ttl = settings.AUTH_TOKEN_TTL_SECONDS
    return bool(ttl) and token.created < timezone.now() - timedelta(seconds=ttl)


def token_forget(key: str) -> None:
    """Drop a revoked token from this process's cache."""
    _CHECKED.forget(key)


@receiver(post_delete, sender=Token)
def _forget_deleted_token(sender, instance, **kwargs) -> None:
    token_forget(instance.key)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _forget_changed_users_tokens(sender, instance, **kwargs) -> None:
    """A user saved here (deactivated, demoted, erased) is checked afresh on their next request."""
    _CHECKED.forget_where(lambda key, known: known[0].pk == instance.pk)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the token is too old (it is then deleted)."""

    def authenticate_credentials(self, key):
        known = _CHECKED.get(key)
        if known is None:
            generation = _CHECKED.generation()
            known = super().authenticate_credentials(key)
            _CHECKED.put(key, known, generation=generation)
        user, token = known
        if token_expired(token):
            token_forget(key)
            token.delete()
            raise AuthenticationFailed("Token expired; get a new one from POST /api/v1/auth/token/.",
                                       code="token_expired")
        return user, token
