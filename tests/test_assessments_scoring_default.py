"""The default scoring method is loaded by ``migrate`` (post_migrate), not by the first read."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.sql import emit_post_migrate_signal

from assessments.models import ScoringMethod
from assessments.selectors import scoring_method
from integrity.models import LedgerEntry

pytestmark = pytest.mark.django_db

COVERED = "assessments.historicalscoringmethod"


def migrated_again():
    """What ``migrate`` does once its migrations are applied (also after a flush)."""
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


def test_a_migrated_database_has_exactly_one_default_method_with_one_version():
    method = ScoringMethod.objects.get()
    assert method.matrix_size == 5
    (version,) = method.history.all()
    assert version.history_type == "+"
    assert version.history_user is None
    assert version.history_change_reason == "Default scoring method loaded"
    assert LedgerEntry.objects.filter(covered_model=COVERED, covered_id=version.pk).count() == 1


def test_reading_the_method_writes_nothing(django_assert_num_queries):
    versions = ScoringMethod.history.count()
    entries = LedgerEntry.objects.count()
    with django_assert_num_queries(1):
        method = scoring_method()
    assert method == ScoringMethod.objects.get()
    assert ScoringMethod.history.count() == versions
    assert LedgerEntry.objects.count() == entries


def test_migrating_again_creates_nothing_more():
    versions = ScoringMethod.history.count()
    entries = LedgerEntry.objects.count()
    migrated_again()
    migrated_again()
    assert ScoringMethod.objects.count() == 1
    assert ScoringMethod.history.count() == versions
    assert LedgerEntry.objects.count() == entries


def test_without_a_method_a_read_says_to_migrate_and_migrate_loads_it():
    ScoringMethod.objects.all().delete()
    with pytest.raises(ImproperlyConfigured, match=r"run `manage\.py migrate`"):
        scoring_method()
    assert ScoringMethod.objects.count() == 0  # the read wrote nothing

    migrated_again()
    method = scoring_method()
    (version,) = method.history.filter(history_type="+", id=method.pk)
    assert version.history_change_reason == "Default scoring method loaded"
    assert LedgerEntry.objects.filter(covered_model=COVERED, covered_id=version.pk).exists()
    migrated_again()
    assert ScoringMethod.objects.count() == 1
