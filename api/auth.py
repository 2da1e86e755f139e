"""Tokens: a username and password in, an API token out."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

from api.openapi import error_responses


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(ObtainAuthToken):
    """DRF's token view, documented (it answers with TokenSerializer's shape)."""

    @extend_schema(operation_id="auth_token_create", tags=["auth"], auth=[],
                   summary="Exchange a username and password for an API token",
                   request={"application/json": TokenRequestSerializer},
                   responses={200: TokenSerializer, **error_responses(400, 413, 415)})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
