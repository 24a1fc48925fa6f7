"""REST API building blocks shared by every app: matrix permissions, error mapping and a
record viewset that writes only through the record type's services."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models.fields.files import FieldFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import history
from .api_input import HistoryPagination, body_too_big_message, problem
from .jobs import QueueUnavailable
from .permissions import MatrixPermission
from .records.joins import joins_read_by
from .scopes import restrict
from .services import StaleVersionError

__all__ = [
    "MatrixPermission",
    "RecordSerializer",
    "RecordViewSet",
    "StepSerializer",
    "WorkflowStepMixin",
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


class StepSerializer(serializers.Serializer):
    """The body of every workflow step, in every app."""

    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Why the step is taken; some steps require it. Kept in the history.",
    )
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one is refused with 409."
    )


STEP_PATH = r"step/(?P<step>[a-z_]+)"
STEP_PARAMETER = OpenApiParameter(
    "step",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The workflow step to take, e.g. submit or approve.",
)


class WorkflowStepMixin:
    """``POST …/{id}/step/{name}/`` takes a workflow step: the one step endpoint of the API.

    The step runs through the record's transition service (``run_transition``), which checks
    the role, four-eyes and preconditions, so the matrix check here is only "view". The body
    is a StepSerializer; the answer is the record as the viewset shows it. A viewset whose
    records have no workflow has no step route.
    """

    def run_transition(self, record, step, **kwargs):
        return self.record_type.run_transition(record, step, **kwargs)

    @classmethod
    def has_steps(cls) -> bool:
        record_type = getattr(cls, "record_type", None)
        return record_type is not None and record_type.workflow is not None

    @classmethod
    def get_extra_actions(cls):
        actions = super().get_extra_actions()
        if cls.has_steps():
            return actions
        return [a for a in actions if a.__name__ != "step"]

    def take_step(self, request, step):
        body = StepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = self.run_transition(
            self.get_object(),
            step,
            actor=request.user,
            reason=body.validated_data.get("reason", ""),
            expected_version=body.validated_data.get("version"),
        )
        serializer = type(self).serializer_class(record, context=self.get_serializer_context())
        return Response(serializer.data)

    @extend_schema(request=StepSerializer, parameters=[STEP_PARAMETER])
    @action(detail=True, methods=["post"], url_path=STEP_PATH)
    def step(self, request, pk=None, step=None):
        """Take a workflow step; send ``reason`` (some steps require one) and the ``version``
        you read (a stale one is refused with 409)."""
        return self.take_step(request, step)


@extend_schema_field(OpenApiTypes.ANY)
class StoredValueField(serializers.Field):
    """A field's stored value in a version: a foreign key as the id, links as a list of ids, a
    file as its name; null for links kept before the record's link history started."""

    def to_representation(self, value):
        if isinstance(value, FieldFile):
            return value.name or None
        return value


class VersionChangeSerializer(serializers.Serializer):
    field = serializers.CharField(source="name", help_text="The field's name in the API.")
    label = serializers.CharField(help_text="The field's name as the pages show it.")
    old = StoredValueField(help_text="The value before this version.")
    new = StoredValueField(help_text="The value this version saved.")


class VersionSerializer(serializers.Serializer):
    history_id = serializers.IntegerField(help_text="The version's id; grows with every save.")
    version = serializers.IntegerField(
        allow_null=True, help_text="The record's edit version this save produced."
    )
    date = serializers.DateTimeField(help_text="When the version was saved.")
    user = serializers.CharField(
        allow_null=True, help_text="Username of who saved it; null for the system."
    )
    type = serializers.ChoiceField(
        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
        help_text="+ created, ~ changed, - deleted.",
    )
    reason = serializers.CharField(help_text="Why the record changed (its change reason).")
    changes = VersionChangeSerializer(
        many=True,
        help_text="The fields and links this version changed from the one before it "
        "(empty for the first version).",
    )

    def to_representation(self, instance):
        row, _previous, changes = instance
        user = row.history_user
        return super().to_representation(
            {
                "history_id": row.history_id,
                "version": getattr(row, "version", None),
                "date": row.history_date,
                "user": user.get_username() if user else None,
                "type": row.history_type,
                "reason": row.history_change_reason or "",
                "changes": changes,
            }
        )


class HistoryPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous (newer) page.")
    results = VersionSerializer(many=True)


class RecordViewSet(WorkflowStepMixin, viewsets.ModelViewSet):
    """CRUD over one record type; every write goes through its RecordType services. Record
    types with a workflow also take steps (WorkflowStepMixin)."""

    record_type = None
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    # The workflow checks the role of a step itself.
    matrix_actions = {"retire": "delete", "step": "view"}

    def get_queryset(self):
        queryset = restrict(super().get_queryset(), self.request.user, "view")
        if self.action in ("list", "retrieve"):
            # Records name their joined records by id: joins the answer does not read go.
            queryset = joins_read_by(queryset, self.get_serializer_class())
        return queryset

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

    @extend_schema(
        responses=HistoryPageSerializer,
        parameters=[
            OpenApiParameter("cursor", str, description=HistoryPagination.cursor_query_description),
            OpenApiParameter(
                "page_size", int, description=HistoryPagination.page_size_query_description
            ),
        ],
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """Every saved version of the record, newest first: who, when, why, and the fields and
        links each one changed. Cursor pages: follow ``next`` to walk to the first version."""
        record = self.get_object()
        model = self.record_type.model
        paginator = HistoryPagination()
        # No view: the cursor orders by version, whatever the record list's ordering fields.
        rows = paginator.paginate_queryset(history.versions(model, record.pk), request)
        data = VersionSerializer(history.changes_per_version(model, record.pk, rows), many=True)
        return paginator.get_paginated_response(data.data)
