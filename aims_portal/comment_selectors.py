"""Reading the comments on a record (the page that shows them needs no write path)."""

from django.contrib.contenttypes.models import ContentType

from .models import Comment


def comments_on(record):
    """The comments on ``record``, oldest first, with their authors and mentions (2 queries)."""
    return (
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
        )
        .select_related("author")
        .prefetch_related("mentions")
    )
