"""Flag assessments when their AI system changes in a way that matters.

The registry must not know about assessments, so this listens to the history row the
registry writes for each saved AI system and compares it with the row before it.
"""

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from registry.models import AISystem

from .services import RE_ASSESSMENT_FIELDS, assessment_flag_reassessment


@receiver(post_create_historical_record, sender=AISystem.history.model)
def flag_assessments_on_system_change(sender, instance, history_instance, **kwargs):
    if history_instance.history_type != "~":
        return
    previous = (
        sender.objects.filter(id=instance.pk, history_id__lt=history_instance.history_id)
        .order_by("-history_id")
        .first()
    )
    if previous is None:
        return
    changed = [
        label
        for name, label in RE_ASSESSMENT_FIELDS.items()
        if getattr(previous, name) != getattr(history_instance, name)
    ]
    if changed:
        assessment_flag_reassessment(instance, changed, actor=history_instance.history_user)
