"""This app's part of "My work": controlled documents due for review."""

from aims_portal import mywork

from .models import ControlledDocument

mywork.owned_due(
    ControlledDocument,
    key="document-reviews",
    label="Documents due for review",
    date_field="review_date",
    step="Review the document",
    order=50,
)
