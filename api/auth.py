"""Tokens: a username and password in, an API token out; DELETE revokes the caller's token."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.authentication import token_expired
from api.openapi import error_responses
from api.throttles import LoginAddressThrottle, LoginUsernameThrottle


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ObtainAuthToken):
    """DRF's token view with login limits, token expiry and revocation.

    A wrong password and an unknown username get the same answer (DRF's), so the endpoint never
    says whether an account exists; the per-username limit counts both alike.
    """

    def get_throttles(self):
        if self.request.method == "POST":
            return [LoginAddressThrottle(), LoginUsernameThrottle()]
        return []

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else []

    def perform_authentication(self, request) -> None:
        # Logging in needs no credentials: a stale token sent along must not block a new one.
        if request.method != "POST":
            super().perform_authentication(request)

    def throttled(self, request, wait):
        raise Throttled(wait, detail="Too many login attempts; wait before trying again "
                                     f"({int(wait or 0) + 1} s).")

    @extend_schema(operation_id="auth_token_create", tags=["auth"], auth=[],
                   summary="Exchange a username and password for an API token",
                   description="The token expires AUTH_TOKEN_TTL_SECONDS after it was issued; a "
                               "login then issues a new one. Limited per username and per client "
                               "address (429 with Retry-After).",
                   request={"application/json": TokenRequestSerializer},
                   responses={200: TokenSerializer, **error_responses(400, 413, 415, 429)})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)

    @extend_schema(operation_id="auth_token_destroy", tags=["auth"], request=None,
                   summary="Revoke the token this request was made with",
                   responses={204: None, **error_responses(401)})
    def delete(self, request, *args, **kwargs):
        Token.objects.filter(user=request.user).delete()  # each leaves the cache (post_delete)
        return Response(status=status.HTTP_204_NO_CONTENT)
