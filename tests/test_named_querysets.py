"""Named querysets: one meaning of "active" and "retired" for every record type, and
``in_service()`` for AI systems (retired by their lifecycle stage)."""

import pytest

from registry import services
from registry.models import AISystem, Supplier

from . import factories

pytestmark = pytest.mark.django_db


def test_systems_in_service_leave_out_retired_ones(lead):
    running = factories.ai_system(lead)
    retired = factories.ai_system(lead)
    AISystem.objects.filter(pk=retired.pk).update(stage=AISystem.Stage.RETIRED)
    assert list(AISystem.objects.in_service()) == [running]
    assert list(AISystem.objects.active()) == [running]
    assert list(AISystem.objects.retired()) == [retired]


def test_active_and_retired_records_by_retired_at(lead):
    kept = factories.supplier(lead)
    gone = factories.supplier(lead)
    services.supplier_retire(gone, actor=lead, reason="Contract ended")
    assert list(Supplier.objects.active()) == [kept]
    assert list(Supplier.objects.retired()) == [gone]
    assert set(Supplier.objects.all()) == {kept, gone}
