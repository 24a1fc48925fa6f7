"""SoA figures for the dashboard: each count links to the filtered control list behind it."""

from django.db.models import Count, Q
from django.urls import reverse

from aims_portal.dashboard import Card, Row, card

from .models import ControlledDocument, SoAEntry


@card("controls", order=40)
def soa_progress(user):
    f = SoAEntry.objects.aggregate(
        implemented=Count(
            "id", filter=Q(applicability="applicable", implementation_status="implemented")
        ),
        partial=Count("id", filter=Q(applicability="applicable", implementation_status="partial")),
        open=Count(
            "id",
            filter=Q(
                applicability="applicable", implementation_status__in=["planned", "not_started"]
            ),
        ),
        excluded=Count("id", filter=Q(applicability="excluded")),
        undecided=Count("id", filter=Q(applicability="undecided")),
    )
    url = reverse("controls:control-list")
    return Card(
        "Statement of Applicability",
        [
            Row("Implemented", f["implemented"], f"{url}?implementation=implemented", "success"),
            Row("Partially implemented", f["partial"], f"{url}?implementation=partial", "info"),
            Row("Planned or not started", f["open"], f"{url}?applicability=applicable", "warning"),
            Row("Excluded", f["excluded"], f"{url}?applicability=excluded", "secondary"),
            Row("Not yet decided", f["undecided"], f"{url}?applicability=undecided", "danger"),
        ],
        total_label="controls",
        url=reverse("controls:soa"),
    )


@card("controls", order=45)
def controlled_documents(user):
    f = ControlledDocument.objects.aggregate(
        approved=Count("id", filter=Q(status="approved")),
        review=Count("id", filter=Q(status="in_review")),
        draft=Count("id", filter=Q(status="draft")),
    )
    url = reverse("controls:document-list")
    return Card(
        "Controlled documents",
        [
            Row("Approved", f["approved"], f"{url}?doc_status=approved", "success"),
            Row("In review", f["review"], f"{url}?doc_status=in_review", "warning"),
            Row("Draft", f["draft"], f"{url}?doc_status=draft", "secondary"),
        ],
        total_label="documents",
        url=url,
    )
