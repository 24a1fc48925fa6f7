"""Review reminders for approved impact assessments and for risks of the register."""

from aims_portal.notifications import reminder_source
from registry.notifications import review_horizon, review_reminders

from .models import ImpactAssessment, Risk


@reminder_source
def assessment_reviews_due():
    assessments = ImpactAssessment.objects.filter(
        status=ImpactAssessment.Status.APPROVED, next_review__lte=review_horizon()
    ).select_related("owner")
    return review_reminders(
        assessments,
        date_field="next_review",
        event="assessment-review",
        what="impact assessment",
    )


@reminder_source
def risk_reviews_due():
    risks = (
        Risk.objects.exclude(status=Risk.Status.CLOSED)
        .filter(review_date__lte=review_horizon())
        .select_related("owner")
    )
    return review_reminders(risks, date_field="review_date", event="risk-review", what="risk")
