"""API for working together: the user's notifications and work, search, comments. Every
endpoint calls the same services as the pages."""

from django.apps import apps
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import comments, mywork, notifications, roles, search
from .api_input import PortalCursorPagination
from .models import Comment, Notification, SearchEntry, TrackedModel


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "url", "created_at", "read_at"]


class NotificationPagination(PortalCursorPagination):
    ordering = "-created_at"


class NotificationList(generics.ListAPIView):
    """The caller's notifications, newest first (``?unread=true`` for unread ones only)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only unread notifications.")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema has no user to filter by
            return Notification.objects.none()
        queryset = Notification.objects.filter(user=self.request.user)
        if self.request.query_params.get("unread") == "true":
            queryset = queryset.filter(read_at__isnull=True)
        return queryset


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=1000,
        help_text="Notifications to mark read; all of the caller's when left out.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationsRead(APIView):
    """Mark the caller's notifications read."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    def post(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications.mark_read(request.user, data.validated_data.get("ids"))
        return Response({"marked": marked})


class WorkItemSerializer(serializers.Serializer):
    group = serializers.CharField()
    record_type = serializers.CharField()
    record_id = serializers.IntegerField()
    label = serializers.CharField()
    step = serializers.CharField()
    url = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class MyWork(APIView):
    """What waits for the caller: approvals, actions, reviews due (as on "My work")."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=WorkItemSerializer(many=True))
    def get(self, request):
        rows = [
            {
                "group": group["source"].key,
                "record_type": item.record._meta.label_lower,
                "record_id": item.record.pk,
                "label": str(item.record),
                "step": item.step,
                "url": item.url,
                "due": item.due,
                "overdue": item.overdue,
            }
            for group in mywork.groups_for(request.user)
            for item in group["items"]
        ]
        return Response(WorkItemSerializer(rows, many=True).data)


class SearchResultSerializer(serializers.ModelSerializer):
    record_type = serializers.CharField(source="content_type.model")
    app = serializers.CharField(source="content_type.app_label")
    record_id = serializers.IntegerField(source="object_id")

    class Meta:
        model = SearchEntry
        fields = ["app", "record_type", "record_id", "title", "area", "url", "updated_at"]


class Search(APIView):
    """Records the caller may view that match ``q`` (best first, at most 50)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="Words to find.")],
        responses=SearchResultSerializer(many=True),
    )
    def get(self, request):
        results = search.search(request.user, request.query_params.get("q", ""))
        return Response(SearchResultSerializer(results, many=True).data)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    mentions = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "mentions", "created_at"]
        read_only_fields = ["id", "author", "mentions", "created_at"]


class Comments(generics.ListCreateAPIView):
    """Comments on one record (oldest first); POST adds one (``@username`` mentions)."""

    permission_classes = [IsAuthenticated]
    serializer_class = CommentSerializer
    pagination_class = None

    def record(self):
        kwargs = self.kwargs
        try:
            model = apps.get_model(kwargs["app_label"], kwargs["model_name"])
        except LookupError as missing:
            raise Http404("No such record type.") from missing
        if not issubclass(model, TrackedModel):
            raise Http404("No such record type.")
        roles.require(self.request.user, "view", model.area)
        return get_object_or_404(model, pk=kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return comments.comments_on(self.record())

    def perform_create(self, serializer):
        serializer.instance = comments.comment_create(
            self.record(), actor=self.request.user, body=serializer.validated_data["body"]
        )
