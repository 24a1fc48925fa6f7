from celery import shared_task


@shared_task(name="registry.git_sync")
def git_sync():
    """Celery beat: import the registry repository (REGISTRY_GIT_REPO at REGISTRY_GIT_REF) as
    the REGISTRY_GIT_SYNC_USER. Returns the sync's summary."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from . import gitsync

    actor = get_user_model().objects.get(username=settings.REGISTRY_GIT_SYNC_USER, is_active=True)
    result = gitsync.sync(
        repo=settings.REGISTRY_GIT_REPO, ref=settings.REGISTRY_GIT_REF, actor=actor
    )
    return result.summary()
