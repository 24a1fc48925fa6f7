"""Each user's choice between an e-mail per notice and one daily digest, kept in history."""

from .models import NotificationPreference
from .services import tracked_save


def preference_set(user, *, daily_digest: bool) -> NotificationPreference:
    """Record the user's choice (each notice by e-mail, or a daily digest) in its history."""
    preference = NotificationPreference.objects.filter(user=user).first()
    if preference is None:
        preference = NotificationPreference(user=user, daily_digest=not daily_digest)
    if preference.daily_digest != daily_digest:
        preference.daily_digest = daily_digest
        reason = "Daily digest on" if daily_digest else "Daily digest off"
        tracked_save(preference, user, reason)
    return preference
