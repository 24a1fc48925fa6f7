"""Links are URIs: a quote, space, brace or non-ASCII character in a URL field is refused
at input (pages, API and services alike), so every link the API shows matches the
schema's ``format: uri``."""

import pytest
from django.core.exceptions import ValidationError

from aims_portal.validators import uri_problem
from audits.models import EvidenceItem
from registry.models import Supplier

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = pytest.mark.django_db

BAD = [
    'https://example.test/a"b',
    "https://example.test/a b",
    "https://example.test/{x}",
    "https://example.test/a|b",
    "https://example.test/a<b>",
    "https://example.test/ä",
    "https://example.test/a\\b",
]


@pytest.mark.parametrize("link", BAD)
def test_the_rule_refuses_what_rfc_3986_refuses(link):
    assert uri_problem(link).startswith("A link may not contain")


def test_the_rule_accepts_encoded_links():
    assert uri_problem("https://example.test/a%22b?q=1&r=%7Bx%7D#top") is None
    assert uri_problem("") is None


@pytest.mark.parametrize("link", BAD[:3])
def test_services_refuse_a_supplier_website_with_a_quote(lead, link):
    with pytest.raises(ValidationError) as refused:
        factories.supplier(lead, website=link)
    assert "website" in refused.value.message_dict
    assert not Supplier.objects.exists()


def test_the_api_refuses_it_with_400(lead, client_for):
    response = client_for(lead).post(
        "/api/v1/registry/suppliers/",
        {"name": "Quoted", "services": "Models", "owner": lead.pk, "website": BAD[0]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert 'A link may not contain “"”' in str(response.json()["website"])
    assert not Supplier.objects.exists()


def test_the_evidence_page_refuses_a_link_with_a_quote(started_audit, lead, client_for):
    target = line(started_audit, "9.2")
    response = client_for(lead).post(
        "/audits/evidence/new/",
        {"kind": "link", "title": "Minutes", "url": BAD[0], "checklist_line": target.pk},
    )
    assert response.status_code == 400
    assert "A link may not contain" in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_an_encoded_link_is_kept(started_audit, lead, client_for):
    target = line(started_audit, "9.2")
    link = "https://example.test/minutes%22final%22.pdf"
    response = client_for(lead).post(
        "/audits/evidence/new/",
        {"kind": "link", "title": "Minutes", "url": link, "checklist_line": target.pk},
    )
    assert response.status_code == 302
    assert EvidenceItem.objects.get().url == link
