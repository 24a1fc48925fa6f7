"""What a list page builds on each request, and what it makes once.

- Filter sets copy their class's filters one level deep (``_Filters``): each filter set has
  filters of its own, whose parent is that filter set, and a filter that calls a method
  calls it on its own filter set.
- Tables copy their class's columns one level deep (``RecordTable``): what one table changes
  in its columns, another table and the class do not see.
- A filter box is kept per form class, box and value (``KeptBoundField``), except a menu whose
  choices are worked out when drawn and a lookup that shows a chosen record's name.
"""

import django_filters
import pytest
from django.http import QueryDict

from aims_portal.records import registered_types
from aims_portal.records.filters import FilterForm, KeptBoundField, RecordFilterSet
from aims_portal.records.tables import RecordTable
from aims_portal.records.views import filtered
from registry.models import AISystem

from . import factories

pytestmark = pytest.mark.django_db


def systems_type():
    return next(rt for rt in registered_types() if rt.list_url == "/inventory/systems/")


def test_each_filter_set_has_filters_of_its_own(lead):
    factories.ai_system(lead, name="Alpha triage model")
    factories.ai_system(lead, name="Beta routing model")
    rt = systems_type()
    alpha = rt.filterset_class(QueryDict("q=Alpha"), queryset=AISystem.objects.all())
    beta = rt.filterset_class(QueryDict("q=Beta"), queryset=AISystem.objects.all())
    for filterset in (alpha, beta):
        for name, declared in filterset.filters.items():
            assert declared is not rt.filterset_class.base_filters[name]
            assert declared.parent is filterset
            if declared.method is not None:
                assert declared.filter.f is declared  # the method runs on this filter set
    assert [s.name for s in alpha.qs] == ["Alpha triage model"]
    assert [s.name for s in beta.qs] == ["Beta routing model"]
    assert not hasattr(rt.filterset_class.base_filters["q"], "parent")


def test_a_filter_set_class_keeps_its_filters_after_an_instance_drops_one(lead, rf):
    class Probe(RecordFilterSet):
        search_fields = ("name",)

        class Meta:
            model = AISystem
            fields = ()

    filterset = Probe(QueryDict(), queryset=AISystem.objects.all())
    filterset.filters.pop("q")
    assert "q" in Probe.base_filters
    assert "q" in Probe(QueryDict(), queryset=AISystem.objects.all()).filters


def test_every_list_table_copies_its_columns(lead):
    factories.ai_system(lead)
    for rt in registered_types():
        assert issubclass(rt.table_class, RecordTable), rt.table_class
    rt = systems_type()
    first = rt.table_class(AISystem.objects.all())
    second = rt.table_class(AISystem.objects.all())
    for name, column in rt.table_class.base_columns.items():
        assert first.columns[name].column is not column
        assert first.columns[name].column is not second.columns[name].column
    first.columns.hide("stage")
    assert not first.columns["stage"].visible
    assert second.columns["stage"].visible
    assert rt.table_class(AISystem.objects.all()).columns["stage"].visible


def probe_form(choices):
    form_class = FilterForm.with_fields(
        "ProbeForm",
        {"stage": django_filters.ChoiceFilter(choices=choices).field},
    )
    return form_class(QueryDict("stage=b"))


def test_a_menu_of_fixed_choices_is_kept_and_one_worked_out_when_drawn_is_not():
    fixed = probe_form([("a", "Alpha"), ("b", "Beta")])["stage"]
    assert isinstance(fixed, KeptBoundField)
    assert fixed._drawing_key() is not None
    assert 'value="b" selected' in str(fixed)

    names = {"b": "Beta"}
    worked_out = probe_form(lambda: [("a", "Alpha"), ("b", names["b"])])
    assert worked_out["stage"]._drawing_key() is None
    assert ">Beta<" in str(worked_out["stage"])
    names["b"] = "Beta renamed"
    assert ">Beta renamed<" in str(probe_form(lambda: [("b", names["b"])])["stage"])


def test_a_kept_box_follows_its_value(client_for, lead):
    rt = systems_type()
    client = client_for(lead)
    drawn = {}
    for stage in ("", "proposed", "production", "proposed"):
        page = client.get(f"{rt.list_url}?stage={stage}").content.decode()
        start = page.index('name="stage"')
        drawn.setdefault(stage, set()).add(page[start : page.index("</select>", start)])
    assert all(len(boxes) == 1 for boxes in drawn.values())
    assert 'value="proposed" selected' in next(iter(drawn["proposed"]))
    assert 'value="production" selected' in next(iter(drawn["production"]))
    assert " selected" not in next(iter(drawn[""])).replace('value="" selected', "")


def test_a_chosen_record_is_named_afresh_in_its_lookup_box(client_for, lead, rf):
    supplier = factories.supplier(lead, name="Original supplier")
    rt = next(rt for rt in registered_types() if rt.list_url == "/inventory/systems/")
    client = client_for(lead)
    url = f"{rt.list_url}?supplier={supplier.pk}"
    assert 'data-remote-label="Original supplier"' in client.get(url).content.decode()
    type(supplier).objects.filter(pk=supplier.pk).update(name="Renamed supplier")
    assert 'data-remote-label="Renamed supplier"' in client.get(url).content.decode()
    request = rf.get(url)
    request.user = lead
    form = filtered(rt, request).form
    assert form["supplier"]._drawing_key() is None
    assert form["owner"]._drawing_key() is not None  # an empty lookup box is kept
