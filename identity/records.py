"""Group mappings as a record type: the generic list, detail, edit and retire pages and API."""

import django_filters
import django_tables2 as tables

from aims_portal.records import RecordType
from aims_portal.records.filters import RecordFilterSet
from aims_portal.records.forms import ModelForm
from aims_portal.records.tables import RecordTable
from aims_portal.records.types import Section

from . import services
from .models import GroupRoleMapping, grantable_roles


class GroupRoleMappingForm(ModelForm):
    class Meta:
        model = GroupRoleMapping
        fields = ["group", "role", "note"]


class GroupRoleMappingFilterSet(RecordFilterSet):
    search_fields = ("group", "note")
    role = django_filters.ChoiceFilter(choices=grantable_roles)

    class Meta:
        model = GroupRoleMapping
        fields = ["q", "role", "status"]


class GroupRoleMappingTable(RecordTable):
    group = tables.Column(linkify=True)
    role = tables.Column(orderable=False)
    note = tables.Column(orderable=False)
    updated_at = tables.Column(orderable=False)

    class Meta:
        model = GroupRoleMapping
        fields = ("group", "role", "note", "updated_at")
        empty_text = "No group mappings yet: single sign-on users get no role."


group_mappings = RecordType(
    model=GroupRoleMapping,
    app_name="identity",
    url_name="groupmapping",
    url_path="group-mappings",
    nav_label="Group mappings",
    icon="diagram-3",
    description="Which of the identity provider's groups give which role at single sign-on. "
    "The group * gives its role to everyone who signs in.",
    table_class=GroupRoleMappingTable,
    filterset_class=GroupRoleMappingFilterSet,
    form_class=GroupRoleMappingForm,
    create=services.group_mapping_create,
    update=services.group_mapping_update,
    retire=services.group_mapping_retire,
    sections=(Section("Mapping", ("group", "role", "note")),),
)
