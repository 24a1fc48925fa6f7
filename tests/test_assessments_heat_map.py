"""The register's heat maps: counts per cell, text in every cell, each cell a filtered link."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims_portal.charts import HeatCell, heat_map
from assessments import services
from assessments.models import Risk
from assessments.selectors import heat_map_counts_both

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(lead):
    factories.risk(lead, inherent_likelihood=4, inherent_impact=5, residual_likelihood=2)
    factories.risk(lead, inherent_likelihood=4, inherent_impact=5, residual_likelihood=1)
    factories.risk(lead, inherent_likelihood=1, inherent_impact=2, title="Minor typo risk")


def maps(client):
    response = client.get("/assessments/risks/")
    return {m["axis"]: str(m["svg"]) for m in response.context["heat_maps"]}


def test_inherent_cells_count_the_risks(register, client_for, lead):
    svg = maps(client_for(lead))["inherent"]
    assert "2 Critical: 2 items at likelihood 4, impact 5" in svg
    assert "1 Low: 1 item at likelihood 1, impact 2" in svg
    assert "0 Medium: 0 items at likelihood 3, impact 3" in svg
    assert len(re.findall(r"<a href=", svg)) == 25


def test_residual_cells_count_the_residual_scores(register, client_for, lead):
    svg = maps(client_for(lead))["residual"]
    assert "2 Low: 2 items at likelihood 2, impact 2" in svg
    assert "1 Low: 1 item at likelihood 1, impact 2" in svg


def test_a_cell_link_lists_exactly_its_risks(register, client_for, lead):
    client = client_for(lead)
    svg = maps(client)["inherent"]
    href = re.search(r'<a href="([^"]+)" aria-label="[^"]* at likelihood 4, impact 5', svg).group(1)
    response = client.get(href.replace("&amp;", "&"))
    assert response.context["table"].page.paginator.count == 2
    assert "Minor typo risk" not in response.content.decode()


def test_the_maps_follow_the_other_filters(register, client_for, lead):
    response = client_for(lead).get("/assessments/risks/?q=typo")
    inherent = str(response.context["heat_maps"][0]["svg"])
    assert "0 Critical: 0 items at likelihood 4, impact 5" in inherent
    assert "1 Low: 1 item at likelihood 1, impact 2" in inherent
    assert "q=typo" in inherent


def test_heat_map_escapes_labels_and_links():
    svg = heat_map(
        [HeatCell(1, 1, 3, "<b>Low</b>", "#fff", '/x?a=1&b="2"')],
        size=1,
        title="T & <script>",
    )
    assert "<script>" not in svg
    assert "&lt;b&gt;Low&lt;/b&gt;" in svg
    assert "&amp;b=&quot;2&quot;" in svg
    assert ">3</text>" in svg


def _count_queries(queryset, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        counts = heat_map_counts_both(queryset, **kwargs)
    return counts, [q["sql"] for q in queries]


def test_counts_are_reused_until_a_risk_changes(register, lead):
    first, sql = _count_queries(Risk.objects.all(), reuse=True)
    assert first["inherent"][(4, 5)] == 2
    assert any("GROUP BY" in q for q in sql)
    again, sql = _count_queries(Risk.objects.all(), reuse=True)
    assert again == first
    assert len(sql) == 1 and "GROUP BY" not in sql[0]  # only the register's version

    risk = Risk.objects.get(title="Minor typo risk")
    services.risk_update(
        risk,
        actor=lead,
        data={"inherent_likelihood": 4, "inherent_impact": 5},
        expected_version=risk.version,
        reason="Re-rated",
    )
    changed, sql = _count_queries(Risk.objects.all(), reuse=True)
    assert changed["inherent"][(4, 5)] == 3
    assert (1, 2) not in changed["inherent"]
    assert any("GROUP BY" in q for q in sql)


def test_reused_counts_are_kept_per_filter(register, client_for, lead):
    client = client_for(lead)
    maps(client)  # the unfiltered counts, now kept
    response = client.get("/assessments/risks/?q=typo")
    assert "0 Critical: 0 items at likelihood 4, impact 5" in str(
        response.context["heat_maps"][0]["svg"]
    )
    assert "2 Critical: 2 items at likelihood 4, impact 5" in maps(client)["inherent"]


def test_a_system_filter_counts_afresh(register, client_for, lead):
    # Links between risks and systems can change without a risk's history moving, so maps
    # filtered by a system are never reused.
    system = factories.ai_system(lead)
    client = client_for(lead)
    url = f"/assessments/risks/?system={system.pk}"
    assert client.get(url).context["heat_maps"][0]["total"] == 0
    Risk.objects.get(title="Minor typo risk").systems.add(system)
    assert client.get(url).context["heat_maps"][0]["total"] == 1
