"""REST API building blocks shared by every app: matrix permissions, error mapping and a
record viewset that writes only through the record type's services."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .api_input import body_too_big_message, problem
from .jobs import QueueUnavailable
from .permissions import MatrixPermission
from .services import StaleVersionError

__all__ = [
    "MatrixPermission",
    "RecordSerializer",
    "RecordViewSet",
    "exception_handler",
    "problem",
]


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_version"


class QueueUnavailableError(APIException):
    """A background job could not be queued (the broker is down); the job is marked failed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def exception_handler(exc, context):
    """Every API error as JSON: DRF's own, Django's validation and permission errors, stale
    versions (409), bodies over the limit (413) and jobs that cannot be queued (503)."""
    if isinstance(exc, QueueUnavailable):
        response = drf_exception_handler(QueueUnavailableError(exc.message), context)
        response["Retry-After"] = "60"
        return response
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge(body_too_big_message(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    elif isinstance(exc, StaleVersionError):
        exc = Conflict(str(exc))
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = APIValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        from rest_framework.exceptions import PermissionDenied

        exc = PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and isinstance(response.data, dict)
        and set(response.data) == {"detail"}
    ):
        detail = response.data["detail"]
        response.data = problem(response.status_code, detail, getattr(detail, "code", ""))
    return response


class RecordSerializer(serializers.ModelSerializer):
    """Reads a record; on update, ``version`` must echo the version the client read."""

    version = serializers.IntegerField(
        required=False,
        help_text="The record's edit version. Required on update: send the version you read; "
        "a stale one is refused with 409.",
    )

    change_reason = serializers.CharField(
        write_only=True,
        required=False,
        max_length=500,
        help_text="Why the record changes; required on update, kept in its history.",
    )

    BOOKKEEPING = ("version", "change_reason")

    class Meta:
        read_only_fields = ("id", "created_at", "updated_at")

    def record_data(self):
        return {k: v for k, v in self.validated_data.items() if k not in self.BOOKKEEPING}


class RetireSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RecordViewSet(viewsets.ModelViewSet):
    """CRUD over one record type; every write goes through its RecordType services."""

    record_type = None
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    matrix_actions = {"retire": "delete"}

    def filter_queryset(self, queryset):
        # Filters (and the default "active only" status) narrow lists; a record stays
        # reachable by its id once retired.
        if self.action == "list":
            return super().filter_queryset(queryset)
        return queryset

    def perform_create(self, serializer):
        serializer.instance = self.record_type.create(
            actor=self.request.user, data=serializer.record_data()
        )

    def perform_update(self, serializer):
        expected = serializer.validated_data.get("version")
        if expected is None:
            raise APIValidationError({"version": "Send the version you are updating."})
        serializer.instance = self.record_type.update(
            serializer.instance,
            actor=self.request.user,
            data=serializer.record_data(),
            expected_version=expected,
            reason=serializer.validated_data.get("change_reason", ""),
        )

    # The body is a RetireSerializer; the answer is the retired record (the viewset's own
    # serializer), which is what the schema must say.
    @extend_schema(request=RetireSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        if not self.record_type.retire:
            raise APIValidationError({"detail": "This record type cannot be retired."})
        record = self.get_object()
        body = RetireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = self.record_type.retire(record, actor=request.user, reason=body.data["reason"])
        serializer = type(self).serializer_class(record, context=self.get_serializer_context())
        return Response(serializer.data)
