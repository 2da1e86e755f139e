"""API tokens that expire AUTH_TOKEN_TTL_SECONDS after they were issued."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_expired(token) -> bool:
    """The token is older than AUTH_TOKEN_TTL_SECONDS (never, when that is 0)."""
    ttl = settings.AUTH_TOKEN_TTL_SECONDS
    return bool(ttl) and token.created < timezone.now() - timedelta(seconds=ttl)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the token is too old (it is then deleted)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise AuthenticationFailed("Token expired; get a new one from POST /api/v1/auth/token/.",
                                       code="token_expired")
        return user, token
