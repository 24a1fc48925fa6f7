from dataclasses import dataclass, field

from django.urls import path, reverse
from django.utils.text import capfirst

from .. import record_registry


@dataclass(frozen=True)
class Panel:
    """A related list on a detail page: the records reached through ``related_name``."""

    title: str
    related_name: str
    columns: tuple[str, ...]
    select_related: tuple[str, ...] = ()
    empty: str = "Nothing linked yet."
    limit: int = 20
    # ``(record, user) -> (label, url) | None``: a link to add a related record from here,
    # shown in the panel's header when it returns one (it checks the user's rights).
    add_link: object = None


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[str, ...]


@dataclass(eq=False)
class RecordType:
    model: type
    app_name: str
    url_name: str
    url_path: str
    table_class: type
    filterset_class: type
    form_class: type
    create: callable
    update: callable
    retire: callable = None
    sections: tuple[Section, ...] = ()
    panels: tuple[Panel, ...] = ()
    list_select_related: tuple[str, ...] = ()
    list_prefetch_related: tuple[str, ...] = ()
    # Fields a filter's search box matches (records.lookup); the first is also what a user
    # types to choose a record without JavaScript (its ID). Empty: no lookup endpoint.
    lookup: tuple[str, ...] = ()
    workflow: object = None  # aims_portal.workflow.Workflow
    # service taking (record, name, actor=, reason=, expected_version=)
    transition: callable = None
    editable: callable = None  # record -> bool; False hides and refuses edits
    detail_template: str = "records/detail.html"
    detail_context: callable = None  # (record, request) -> extra template context
    extra_urls: tuple = ()  # more path()s in this record type's namespace
    nav_label: str = ""
    icon: str = "card-list"
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        record_registry.register(self)

    @property
    def area(self):
        return self.model.area

    @property
    def verbose_name(self):
        return str(self.model._meta.verbose_name)

    @property
    def verbose_name_plural(self):
        return str(self.model._meta.verbose_name_plural)

    @property
    def list_label(self):
        """What the navigation, the list page and breadcrumbs call the list."""
        return self.nav_label or capfirst(self.verbose_name_plural)

    def route(self, action):
        return f"{self.app_name}:{self.url_name}-{action}"

    @property
    def list_url(self):
        return reverse(self.route("list"))

    @property
    def create_url(self):
        return reverse(self.route("create"))

    def object_urls(self, record):
        meta = self.model._meta
        urls = {
            "detail": record.get_absolute_url(),
            "edit": reverse(self.route("edit"), args=[record.pk]),
            "history": reverse("record-history", args=[meta.app_label, meta.model_name, record.pk]),
        }
        if self.retire:
            urls["retire"] = reverse(self.route("retire"), args=[record.pk])
        return urls

    def is_editable(self, record):
        return self.editable is None or self.editable(record)

    def run_transition(self, record, step, *, actor, reason, expected_version=None):
        run = self.transition or self.workflow.run
        return run(record, step, actor=actor, reason=reason, expected_version=expected_version)

    def queryset(self):
        records = self.model.objects.select_related(*self.list_select_related)
        # Ordered explicitly: Django drops a model's default ordering from a query that
        # groups (a subclass annotating a count), which left such lists unordered.
        records = records.order_by(*self.model._meta.ordering)
        return records.prefetch_related(*self.list_prefetch_related)

    def urls(self):
        from . import views

        kwargs = {"record_type": self}
        name = self.url_name
        patterns = [
            path(f"{self.url_path}/", views.RecordListView.as_view(**kwargs), name=f"{name}-list"),
            path(
                f"{self.url_path}/new/",
                views.RecordCreateView.as_view(**kwargs),
                name=f"{name}-create",
            ),
            path(
                f"{self.url_path}/<int:pk>/",
                views.RecordDetailView.as_view(**kwargs),
                name=f"{name}-detail",
            ),
            path(
                f"{self.url_path}/<int:pk>/edit/",
                views.RecordUpdateView.as_view(**kwargs),
                name=f"{name}-edit",
            ),
        ]
        if self.workflow:
            patterns.append(
                path(
                    f"{self.url_path}/<int:pk>/step/<str:step>/",
                    views.RecordTransitionView.as_view(**kwargs),
                    name=f"{name}-transition",
                )
            )
        patterns.extend(self.extra_urls)
        if self.retire:
            patterns.append(
                path(
                    f"{self.url_path}/<int:pk>/retire/",
                    views.RecordRetireView.as_view(**kwargs),
                    name=f"{name}-retire",
                )
            )
        return patterns
