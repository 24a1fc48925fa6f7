"""This app's part of "My work": reviews of the AI systems a user owns."""

from django.db.models import Q

from aims_portal import mywork

from .models import AISystem

mywork.owned_due(
    AISystem,
    key="system-reviews",
    label="AI system reviews due",
    date_field="next_review",
    step="Review the system and record the review",
    open_filter=~Q(stage=AISystem.Stage.RETIRED),
    anchor="",
    order=30,
)
