"""An audit's checklist: each line shows what it is checked against (the control's purpose
and SoA entry, or the requirement, with owner and evidence), and the audit team records
the results of many lines with one submit, all saved or none."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import ChecklistLine

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = pytest.mark.django_db


def results_url(audit):
    return reverse("audits:audit-results", args=[audit.pk])


def posted(audit, **chosen):
    """The form as the page sends it, with ``chosen`` results ({ref: (result, notes)})."""
    data = {}
    for row in ChecklistLine.objects.filter(audit=audit):
        result, notes = chosen.get(row.ref.replace(".", "_"), (row.result, row.notes))
        data[f"result-{row.pk}"] = result
        data[f"notes-{row.pk}"] = notes
        data[f"version-{row.pk}"] = str(row.version)
    return data


def test_each_line_shows_what_it_is_checked_against(started_audit, ia, client_for):
    page = client_for(ia).get(results_url(started_audit)).content.decode()
    control_line = line(started_audit, "A.6.2.4")
    entry = control_line.control.soa_entry
    assert control_line.control.purpose in page
    assert f'href="{entry.get_absolute_url()}">A.6.2.4</a>' in page
    requirement = line(started_audit, "9.2").requirement
    assert f'href="{requirement.get_absolute_url()}">9.2</a>' in page
    assert "Evidence:</span> 0 on the SoA entry, 0 on this line" in page


def test_the_line_page_shows_the_criterion_too(started_audit, ia, client_for):
    control_line = line(started_audit, "A.6.2.4")
    page = client_for(ia).get(control_line.get_absolute_url()).content.decode()
    assert "Checked against" in page and control_line.control.purpose in page


def test_results_of_many_lines_are_saved_with_one_submit(started_audit, ia, client_for):
    data = posted(
        started_audit,
        A_6_2_4=("conforms", "Release records sampled."),
        **{"9_2": ("observation", "Programme lacks dates."), "10_2": ("conforms", "Log kept.")},
    )
    response = client_for(ia).post(results_url(started_audit), data)
    assert response.status_code == 302
    assert response["Location"] == started_audit.get_absolute_url()
    rows = {r.ref: r for r in ChecklistLine.objects.filter(audit=started_audit)}
    assert {ref: r.result for ref, r in rows.items()} == {
        "9.2": "observation",
        "10.2": "conforms",
        "A.6.2.4": "conforms",
    }
    assert rows["9.2"].assessed_by == ia and rows["9.2"].notes == "Programme lacks dates."
    assert rows["A.6.2.4"].history.first().history_change_reason == (
        "Result recorded on the audit's checklist"
    )


def test_one_refused_line_saves_nothing(nc_finding, started_audit, ia, client_for):
    # 9.2 carries a nonconformity finding: it cannot become "conforms".
    data = posted(
        started_audit, A_6_2_4=("conforms", "Fine."), **{"9_2": ("conforms", "Changed my mind")}
    )
    response = client_for(ia).post(results_url(started_audit), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was saved" in text and "9.2: Nonconformity findings were raised" in text
    assert line(started_audit, "A.6.2.4").result == "not_assessed"
    assert line(started_audit, "9.2").result == "nonconformity"
    # What the auditor typed is still on the page.
    assert "Changed my mind" in text


def test_a_stale_line_is_refused(started_audit, ia, client_for):
    data = posted(started_audit, A_6_2_4=("conforms", "Fine."))
    factories.record_line(line(started_audit, "10.2"), ia, "conforms")
    response = client_for(ia).post(results_url(started_audit), data)
    assert response.status_code in (400, 409)
    assert line(started_audit, "A.6.2.4").result == "not_assessed"


def test_only_the_audit_team_records_results(started_audit, lead, client_for):
    assert client_for(lead).get(results_url(started_audit)).status_code == 403
    response = client_for(lead).post(results_url(started_audit), posted(started_audit))
    assert response.status_code == 403


def test_the_page_s_queries_do_not_grow_with_its_lines(lead, ia, client_for):
    from audits import services

    def count(controls):
        audit = factories.audit(lead, ia, controls=controls)
        audit = services.audit_transition(audit, "start", actor=lead)
        client = client_for(ia)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(results_url(audit)).status_code == 200
        return len(queries)

    assert count(("A.6.2.4",)) == count(("A.6.2.4", "A.6.2.5", "A.7.2", "A.7.3", "A.8.2"))
