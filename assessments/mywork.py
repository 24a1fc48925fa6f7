"""This app's part of "My work": risk reviews, assessment reviews and returned assessments."""

from django.db.models import Q

from aims_portal import mywork

from .models import ImpactAssessment, Risk

mywork.owned_due(
    Risk,
    key="risk-reviews",
    label="Risk reviews due",
    date_field="review_date",
    step="Review the risk",
    open_filter=~Q(status=Risk.Status.CLOSED),
    order=40,
)
mywork.owned_due(
    ImpactAssessment,
    key="assessment-reviews",
    label="Impact assessment reviews due",
    date_field="next_review",
    step="Review the assessment",
    open_filter=Q(status=ImpactAssessment.Status.APPROVED),
    order=41,
)
