"""Demo data of the controls app: a populated SoA with a revision, documents; runs twice."""

import pytest

from assessments import demo as assessments_demo
from controls import demo
from controls.models import ControlledDocument, SoAEntry, SoARevision
from registry import demo as registry_demo

from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def test_demo_loads_a_decided_soa_with_a_revision_and_documents_and_is_idempotent(users):
    registry_demo.load(users)
    assessments_demo.load(users)
    demo.load(users)
    demo.load(users)
    assert not SoAEntry.objects.filter(applicability="undecided").exists()
    assert SoAEntry.objects.filter(applicability="excluded").count() == 2
    for entry in SoAEntry.objects.filter(applicability="excluded"):
        assert entry.exclusion_reasons.exists(), entry.control.ref
        assert not entry.inclusion_reasons.exists(), entry.control.ref
    assert SoARevision.objects.count() == 1
    assert ControlledDocument.objects.count() == 6  # the policy, standards, plans, records
    assert ControlledDocument.objects.get(ref="POL-001").status == "approved"
    assert SoAEntry.objects.get(control__ref="A.6.2.6").systems.count() == 3
    assert SoAEntry.objects.get(control__ref="A.6.2.6").risks.exists()
