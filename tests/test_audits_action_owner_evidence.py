"""A corrective action's owner attaches evidence to their own action, and to nothing else."""

import pytest
from django.core.exceptions import PermissionDenied

from audits import services
from audits.models import EvidenceItem

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actions(nc_finding, lead, owner, make_user):
    found = nc_finding
    other = make_user("system_owner", username="other-owner")
    return (
        factories.corrective_action(lead, owner, finding=found),
        factories.corrective_action(lead, other, finding=found, title="Someone else's"),
    )


def link_data(action):
    return {
        "kind": "link",
        "title": "Updated agenda template",
        "url": "https://wiki.example.test/agenda",
        "corrective_action": action.pk,
    }


def test_the_owner_opens_the_form_and_attaches_evidence(client_for, owner, actions):
    mine, _ = actions
    client = client_for(owner)
    url = f"/audits/evidence/new/?corrective_action={mine.pk}"
    assert client.get(url).status_code == 200
    assert f'href="{url}"' in client.get(mine.get_absolute_url()).content.decode()
    response = client.post(url, link_data(mine))
    assert response.status_code == 302
    item = EvidenceItem.objects.get()
    assert item.corrective_action == mine and item.added_by == owner


def test_the_owner_cannot_attach_to_another_owners_action(client_for, owner, actions):
    _, theirs = actions
    client = client_for(owner)
    url = f"/audits/evidence/new/?corrective_action={theirs.pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, link_data(theirs)).status_code == 403
    assert client.get("/audits/evidence/new/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.evidence_add(actor=owner, data=link_data(theirs) | {"corrective_action": theirs})
    assert not EvidenceItem.objects.exists()


def test_the_owner_cannot_aim_their_own_form_at_another_target(client_for, owner, actions):
    mine, theirs = actions
    url = f"/audits/evidence/new/?corrective_action={mine.pk}"
    response = client_for(owner).post(url, link_data(theirs))
    assert response.status_code in (400, 403)
    assert not EvidenceItem.objects.exists()
