"""The catalogue: 38 Annex A controls in nine groups, clauses 4-10, crosswalks, idempotent."""

from collections import Counter

import pytest
from django.core.management import call_command

from controls.catalogue import load_catalogue, read_catalogue
from controls.models import Control, CrosswalkMapping, Requirement, SoAEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(django_db_setup, django_db_blocker):
    """The catalogue a migration loads. Tests that flush the database (transactional ones,
    in any app) remove it, so it is loaded again where missing; every controls test module
    imports this fixture."""
    with django_db_blocker.unblock():
        if Control.objects.count() != 38:
            load_catalogue()


EXPECTED_IDS = [
    "A.2.2", "A.2.3", "A.2.4",
    "A.3.2", "A.3.3",
    "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5",
    "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7",
    "A.6.2.8",
    "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5",
    "A.9.2", "A.9.3", "A.9.4",
    "A.10.2", "A.10.3", "A.10.4",
]  # fmt: skip


def test_the_catalogue_holds_the_38_annex_a_controls_in_order():
    assert len(EXPECTED_IDS) == 38
    assert list(Control.objects.values_list("ref", flat=True)) == EXPECTED_IDS


def test_each_group_has_its_controls():
    counts = Counter(Control.objects.values_list("group", flat=True))
    assert counts == {
        "A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9,
        "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3,
    }  # fmt: skip
    assert Control.objects.get(ref="A.10.3").group_title == "Third-party and customer relationships"


def test_every_control_has_a_purpose_and_crosswalks_to_both_frameworks():
    for control in Control.objects.prefetch_related("crosswalks"):
        assert len(control.purpose) > 60, control.ref
        frameworks = {m.framework for m in control.crosswalks.all()}
        assert "nist" in frameworks, control.ref
    assert CrosswalkMapping.objects.filter(framework="euaia").count() >= 30


def test_clauses_4_to_10_are_loaded():
    clauses = set(Requirement.objects.values_list("clause", flat=True))
    assert clauses == {4, 5, 6, 7, 8, 9, 10}
    assert Requirement.objects.get(ref="7.5").title == "Documented information"
    assert list(Requirement.objects.values_list("ref", flat=True))[-1] == "10.2"


def test_each_control_has_one_soa_entry():
    assert SoAEntry.objects.count() == 38
    assert not Control.objects.filter(soa_entry__isnull=True).exists()


def test_loading_again_changes_nothing_and_writes_no_history():
    history_rows = Control.history.count() + CrosswalkMapping.history.count()
    result = load_catalogue()
    assert (result.created, result.updated, result.removed) == (0, 0, 0)
    assert Control.history.count() + CrosswalkMapping.history.count() == history_rows


def test_the_load_is_recorded_in_history_with_its_reason():
    version = Control.history.filter(ref="A.2.2").earliest("history_date")
    assert version.history_change_reason.startswith("Loaded from the control catalogue")


def test_a_changed_file_updates_titles_and_drops_stale_crosswalks(tmp_path):
    data = read_catalogue()
    text = __import__("controls.catalogue", fromlist=["x"]).CATALOGUE_FILE.read_text()
    changed = text.replace("title: AI policy\n", "title: AI policy (renamed)\n", 1).replace(
        '["nist | GOVERN 1 | Policies, processes and practices", "euaia | Art. 17 | Quality '
        'management system"]\n  - id: A.2.3',
        '["nist | GOVERN 1 | Policies, processes and practices"]\n  - id: A.2.3',
        1,
    )
    path = tmp_path / "catalogue.yaml"
    path.write_text(changed)
    result = load_catalogue(path)
    control = Control.objects.get(ref="A.2.2")
    assert control.title == "AI policy (renamed)"
    assert control.version == 2
    assert result.removed == 1
    assert not control.crosswalks.filter(framework="euaia").exists()
    assert len(data["controls"]) == 38


def test_the_command_reports_an_idempotent_run(capsys):
    call_command("load_catalogue")
    assert "0 created, 0 updated, 0 removed" in capsys.readouterr().out


def test_the_control_page_shows_purpose_and_crosswalk(client_for, auditor):
    control = Control.objects.get(ref="A.7.5")
    response = client_for(auditor).get(control.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Data provenance" in html
    assert "NIST AI RMF" in html and "Art. 10" in html
