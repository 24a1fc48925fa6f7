"""References (RISK-007, CA-2026-012, …) never collide: 20 threads creating at once on
PostgreSQL get 0 errors and 0 duplicates; numbering continues past references stored without
the counter, and a create that fails gives its number back."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from aims_portal.models import ReferenceCounter, User
from aims_portal.services import next_reference
from assessments.models import ImpactAssessment, Risk
from audits.models import CorrectiveAction

from . import factories
from .conftest import require_service

CLIENTS, EACH = 20, 5


def _create_many(create, errors, barrier):
    try:
        barrier.wait(timeout=60)
        for n in range(EACH):
            create(n)
    except Exception as error:  # reported by the test, not swallowed
        errors.append(error)
    finally:
        connections.close_all()


def _in_parallel(create):
    errors, barrier = [], threading.Barrier(CLIENTS)
    threads = [
        threading.Thread(target=_create_many, args=(create, errors, barrier))
        for _ in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


@pytest.fixture
def postgresql():
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not point to PostgreSQL")


def _assert_unique_and_complete(model, errors):
    assert errors == []
    references = list(model.objects.values_list("reference", flat=True))
    assert len(references) == CLIENTS * EACH
    assert len(set(references)) == len(references)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_risk_creates_take_distinct_references(postgresql, lead):
    lead_pk = lead.pk

    def create(n):
        factories.risk(User.objects.get(pk=lead_pk), title=f"Parallel risk {n}")

    _assert_unique_and_complete(Risk, _in_parallel(create))
    references = Risk.objects.values_list("reference", flat=True)
    numbers = sorted(int(reference.split("-")[-1]) for reference in references)
    assert numbers == list(range(1, CLIENTS * EACH + 1))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_corrective_action_creates_take_distinct_references(
    postgresql, lead, owner, executive
):
    review = factories.management_review(lead, executive)

    def create(n):
        factories.corrective_action(
            User.objects.get(pk=lead.pk), User.objects.get(pk=owner.pk), review=review
        )

    _assert_unique_and_complete(CorrectiveAction, _in_parallel(create))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_assessment_creates_take_distinct_references(postgresql, lead, owner):
    system = factories.ai_system(lead, owner=owner)

    def create(n):
        factories.impact_assessment(User.objects.get(pk=lead.pk), system=system)

    _assert_unique_and_complete(ImpactAssessment, _in_parallel(create))


@pytest.mark.django_db
def test_numbering_continues_past_references_stored_without_the_counter(lead):
    first = factories.risk(lead)
    Risk.objects.filter(pk=first.pk).update(reference="RISK-041")
    ReferenceCounter.objects.all().delete()  # as after an import of older data
    assert factories.risk(lead).reference == "RISK-042"
    assert factories.risk(lead).reference == "RISK-043"


@pytest.mark.django_db
def test_a_failed_create_gives_its_number_back(lead):
    assert factories.risk(lead).reference == "RISK-001"
    with pytest.raises(ValidationError):
        factories.risk(lead, inherent_likelihood=9)
    assert factories.risk(lead).reference == "RISK-002"


@pytest.mark.django_db
def test_yearly_references_count_per_model_and_year():
    year = timezone.localdate().year
    with transaction.atomic():
        assert next_reference(CorrectiveAction, "CA") == f"CA-{year}-001"
        assert next_reference(CorrectiveAction, "CA") == f"CA-{year}-002"
        assert next_reference(ImpactAssessment, "IA") == f"IA-{year}-001"
        assert next_reference(Risk, "RISK", yearly=False) == "RISK-001"
    assert ReferenceCounter.objects.get(key=f"audits.correctiveaction:CA-{year}-").last == 2
