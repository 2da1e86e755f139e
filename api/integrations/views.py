"""Staff endpoints of integrations: webhook endpoints, their delivery log, redelivery."""
from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.integrations.serializers import (
    DeliveryPageSerializer,
    DeliveryQuerySerializer,
    StatementQuerySerializer,
    StatementResultSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWriteSerializer,
)
from api.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from api.permissions import IsStaff
from integrations.selectors import deliveries_page, webhook_endpoints_all, xapi_statements_page
from integrations.services import (
    delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_get,
    webhook_endpoint_secret_rotate,
    webhook_endpoint_update,
)

TAGS = ["webhooks"]


class WebhookListView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="webhooks_list", tags=TAGS, summary="Webhook endpoints (staff)",
                   responses={200: WebhookEndpointSerializer(many=True),
                              **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(WebhookEndpointSerializer(webhook_endpoints_all(), many=True).data)

    @extend_schema(operation_id="webhooks_create", tags=TAGS, request=WebhookEndpointWriteSerializer,
                   summary="Add an endpoint; the response shows its signing secret once (staff)",
                   responses={201: WebhookEndpointCreatedSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        body = WebhookEndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(**body.validated_data, created_by=request.user.pk)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data,
                        status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="webhooks_retrieve", tags=TAGS, summary="One endpoint (staff)",
                   responses={200: WebhookEndpointSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response(WebhookEndpointSerializer(webhook_endpoint_get(endpoint_id=endpoint_id)).data)

    @extend_schema(operation_id="webhooks_partial_update", tags=TAGS,
                   request=WebhookEndpointWriteSerializer(partial=True),
                   summary="Change an endpoint's URL, event types, description or active flag (staff)",
                   responses={200: WebhookEndpointSerializer, **error_responses(*WRITE_ERRORS)})
    def patch(self, request: Request, endpoint_id: str) -> Response:
        body = WebhookEndpointWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(endpoint_id=endpoint_id, **body.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(operation_id="webhooks_destroy", tags=TAGS, summary="Delete an endpoint (staff)",
                   responses={204: None, **error_responses(*READ_ERRORS)})
    def delete(self, request: Request, endpoint_id: str) -> Response:
        webhook_endpoint_delete(endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotateView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="webhooks_secret_rotate", tags=TAGS, request=None,
                   summary="Replace the endpoint's signing secret; the response shows the new one "
                           "once (staff)",
                   responses={200: WebhookEndpointCreatedSerializer, **error_responses(*READ_ERRORS)})
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = webhook_endpoint_secret_rotate(endpoint_id=endpoint_id)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data)


class WebhookDeliveriesView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="webhooks_deliveries_list", tags=TAGS,
                   summary="An endpoint's delivery log, newest first (staff)",
                   parameters=[DeliveryQuerySerializer,
                               OpenApiParameter("endpoint_id", str, OpenApiParameter.PATH)],
                   responses={200: DeliveryPageSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, endpoint_id: str) -> Response:
        query = DeliveryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        count, rows = deliveries_page(target=str(endpoint.id), **query.validated_data)
        return Response(DeliveryPageSerializer({"count": count, "results": rows}).data)


class DeliveryRedeliverView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="webhooks_deliveries_redeliver", tags=TAGS, request=None,
                   summary="Send a delivery again now, with the same webhook-id (staff)",
                   responses={202: WebhookDeliverySerializer,
                              **error_responses(*READ_ERRORS, 409)})
    def post(self, request: Request, delivery_id: str) -> Response:
        delivery = delivery_redeliver(delivery_id=delivery_id)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class XapiStatementsView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="xapi_statements_list", tags=["xapi"],
                   summary="xAPI 1.0.3 statements of attempts and completions, page by page (staff)",
                   parameters=[StatementQuerySerializer],
                   responses={200: StatementResultSerializer, **error_responses(400, 401, 403)})
    def get(self, request: Request) -> Response:
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        statements, more = xapi_statements_page(since=options.get("since"),
                                                after=options.get("cursor"), limit=options["limit"])
        link = ""
        if more is not None:
            stored = more[0].isoformat().replace("+00:00", "") + "Z"
            link = request.path + "?" + urlencode({"limit": options["limit"],
                                                   "cursor": f"{stored},{more[1]}"})
        return Response(StatementResultSerializer({"statements": statements, "more": link}).data,
                        headers={"X-Experience-API-Version": "1.0.3"})
