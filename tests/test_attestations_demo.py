"""The demo's attestations: a token and a few days of attested answers, loaded once."""

import datetime

import pytest
from django.utils import timezone

from aims_portal import roles
from integrity import attestation_demo
from integrity.models import Attestation, AttestationToken
from registry import services as registry

from . import factories

pytestmark = pytest.mark.django_db


def test_demo_attests_the_support_assistant_once(users, lead):
    system = factories.ai_system(lead, slug="support-assistant")
    registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "2026-09-01",
            "deployed_at": timezone.now() - datetime.timedelta(days=80),
        },
    )
    attestation_demo.load(users)
    attestation_demo.load(users)
    assert AttestationToken.objects.get().created_by == users[roles.ADMIN]
    assert Attestation.objects.count() == 120
    assert set(Attestation.objects.values_list("decision", flat=True)) == {
        "allowed",
        "modified",
        "escalated",
        "blocked",
    }


def test_demo_skips_a_database_without_the_system(users):
    attestation_demo.load(users)
    assert not Attestation.objects.exists()
