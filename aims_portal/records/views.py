from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from .. import comment_selectors, history, record_registry, roles
from ..display import record_fields
from ..params import int_param
from ..record_registry import record_type_for
from ..scopes import restrict
from ..services import StaleVersionError
from .export import csv_response, xlsx_response
from .forms import attach_errors, edit_form_class, limit_choices
from .joins import column_paths, names_only
from .lookup import lookup_matches, people_matches

PER_PAGE = 25
MAX_PER_PAGE = 100


def safe_next(request) -> str:
    """The page a form returns to (``?next=``), when it is a path on this site; else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    on_site = target.startswith("/") and not target.startswith("//")
    if on_site and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def parent_field(manager) -> str:
    """The field of a panel's records that points back at the record whose page shows them
    (a foreign key, or a many-to-many seen from its other side)."""
    field = getattr(manager, "field", None)
    return field.name if field is not None else getattr(manager, "query_field_name", "")


def add_in_context(record, manager, user):
    """("Add …", create URL) for a panel: the related record's form with this record chosen,
    returning here once saved; None when the user may not create one or its form cannot
    take this record."""
    rt = record_registry.record_type_for(manager.model)
    name = parent_field(manager)
    if rt is None or name not in rt.form_class.base_fields:
        return None
    if not roles.can(user, "create", rt.area):
        return None
    query = urlencode({name: record.pk, "next": record.get_absolute_url()})
    return f"Add {rt.verbose_name}", f"{rt.create_url}?{query}"


def filtered(rt, request, data=None, queryset=None, report=True):
    """The record type's filterset over ``data`` (the query string by default), with every
    invalid filter left out and (with ``report``) named in a message on the page.

    A bad value (``?owner=abc``, ``?treatment=zzz``, a NUL in the search) then narrows
    nothing instead of emptying the list or failing: the page still shows, and says why.
    """
    data = (request.GET if data is None else data).copy()
    queryset = restrict(rt.queryset() if queryset is None else queryset, request.user)
    filterset = rt.filterset_class(data, queryset=queryset, request=request)
    refused = []
    # Each pass drops the filters the form refused; a refusal not tied to one filter, or
    # one that does not go away, leaves no filter at all.
    for _attempt in range(3):
        if filterset.is_valid():
            break
        for name, errors in filterset.errors.items():
            field = filterset.form.fields.get(name)
            label = field.label if field is not None and field.label else name
            refused.append(f"{capfirst(str(label))}: {' '.join(errors)}")
            for key in [k for k in data if k == name or k.startswith(f"{name}_")]:
                data.pop(key)
            if name not in filterset.form.fields:
                data = QueryDict(mutable=True)
        filterset = rt.filterset_class(data, queryset=queryset, request=request)
    else:
        filterset = rt.filterset_class(QueryDict(), queryset=queryset, request=request)
    for problem in dict.fromkeys(refused if report else ()):
        messages.warning(request, f"Filter ignored. {problem}")
    return filterset


def paginate(request, table, per_page=PER_PAGE):
    """Sort and page ``table`` from the query string, within bounds: ``per_page`` between 1
    and MAX_PER_PAGE, ``page`` past the end shows the last page, anything else the first."""
    table.request = request
    order_by = request.GET.getlist(table.prefixed_order_by_field)
    if order_by:
        table.order_by = order_by
    size = int_param(request.GET.get(table.prefixed_per_page_field), high=MAX_PER_PAGE)
    page = request.GET.get(table.prefixed_page_field, "")
    page = max(int(page), 1) if page.isascii() and page.isdigit() else 1
    try:
        table.paginate(per_page=size or per_page, page=page)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)
    return table


class RecordMixin:
    record_type = None
    action = "view"

    def dispatch(self, request, *args, **kwargs):
        roles.require(request.user, self.action, self.record_type.area)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def object(self):
        queryset = restrict(self.record_type.queryset(), self.request.user)
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rt = self.record_type
        context["rt"] = rt
        if "pk" in self.kwargs:
            context["object"] = self.object
            context["urls"] = rt.object_urls(self.object)
        context["can"] = roles.can_list(self.request.user, rt.area)
        return context


class RecordListView(RecordMixin, TemplateView):
    template_name = "records/list.html"

    def get(self, request, *args, **kwargs):
        rt = self.record_type
        filterset = filtered(rt, request)
        export_format = request.GET.get("_export")
        if not export_format:
            # The page shows a name, or a few fields, of each joined record; an export
            # reads whatever its columns' export values ask for, so it reads them whole.
            table = rt.table_class(names_only(filterset.qs, column_paths(rt.table_class)))
            paginate(request, table)
            return self.render_to_response(self.get_context_data(filterset=filterset, table=table))
        table = rt.table_class(filterset.qs)
        roles.require(request.user, "export", rt.area)
        if export_format not in ("csv", "xlsx"):
            return self.render_to_response(
                self.get_context_data(filterset=filterset, table=table), status=400
            )
        RequestConfig(request, paginate=False).configure(table)
        name = rt.url_path.strip("/").replace("/", "-")
        if export_format == "xlsx":
            return xlsx_response(
                table, f"{name}.xlsx", title=rt.list_label, exclude_columns=("actions",)
            )
        return csv_response(table, f"{name}.csv", exclude_columns=("actions",))


class RecordDetailView(RecordMixin, TemplateView):
    RECENT_VERSIONS = 5

    def get_template_names(self):
        return [self.record_type.detail_template]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record, rt = self.object, self.record_type
        context["sections"] = [(s.title, record_fields(record, s.fields)) for s in rt.sections]
        context["panels"] = [self.panel(record, panel, self.request.user) for panel in rt.panels]
        context["recent_versions"] = history.versions(rt.model, record.pk)[: self.RECENT_VERSIONS]
        context["record_comments"] = list(comment_selectors.comments_on(record))
        meta = rt.model._meta
        context["comment_url"] = reverse(
            "comment-add", args=[meta.app_label, meta.model_name, record.pk]
        )
        context["can_edit"] = rt.is_editable(record) and roles.can(
            self.request.user, "change", rt.area, record
        )
        if rt.workflow:
            available, blocked = rt.workflow.options(record, self.request.user)
            context["transitions"] = [
                (t, reverse(rt.route("transition"), args=[record.pk, t.name])) for t in available
            ]
            context["blocked_transitions"] = blocked
        if rt.detail_context:
            context.update(rt.detail_context(record, self.request))
        context["can_retire"] = bool(rt.retire) and roles.can(
            self.request.user, "delete", rt.area, record
        )
        return context

    @staticmethod
    def panel(record, panel, user=None):
        manager = getattr(record, panel.related_name)
        related = manager.select_related(*panel.select_related)[: panel.limit]
        model = manager.model
        rows = [(item, record_fields(item, panel.columns)) for item in related]
        headers = [capfirst(model._meta.get_field(c).verbose_name) for c in panel.columns]
        add = None
        if user is not None:
            add = (
                panel.add_link(record, user)
                if panel.add_link
                else add_in_context(record, manager, user)
            )
        return {
            "panel": panel,
            "headers": headers,
            "rows": rows,
            "total": manager.count(),
            "add": add,
        }


class RecordFormView(RecordMixin, TemplateView):
    template_name = "records/form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mode"] = self.mode
        return context

    def form(self, data=None):
        return limit_choices(self.build_form(data), self.request.user)

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                record = self.save(form)
            except StaleVersionError as conflict:
                form.add_error(None, str(conflict))
                return self.render_form(form, status=409, conflict=conflict.current)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, self.success_message(record))
                return redirect(safe_next(request) or record.get_absolute_url())
        return self.render_form(form, status=400)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.form())

    def render_form(self, form, status=200, **extra):
        context = self.get_context_data(form=form, next_url=safe_next(self.request), **extra)
        return self.render_to_response(context, status=status)


class RecordCreateView(RecordFormView):
    action = "create"
    mode = "create"

    def build_form(self, data=None):
        return self.record_type.form_class(data, initial=self.prefill())

    def prefill(self):
        """Values chosen already by the page the user came from (``?system=3``): a panel's
        "Add …" names the record it belongs to. The form checks them as any input."""
        fields = self.record_type.form_class.base_fields
        initial = {}
        for name, field in fields.items():
            if name in self.request.GET:
                many = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
                initial[name] = self.request.GET.getlist(name) if many else self.request.GET[name]
        return initial

    def save(self, form):
        return self.record_type.create(actor=self.request.user, data=form.cleaned_data)

    def success_message(self, record):
        return f"{capfirst(self.record_type.verbose_name)} “{record}” created."


class RecordUpdateView(RecordFormView):
    action = "change"
    mode = "edit"

    def get(self, request, *args, **kwargs):
        # Whether this user may change this record comes before whether it can change now.
        roles.require(request.user, "change", self.record_type.area, self.object)
        if getattr(self.object, "retired_at", None):
            messages.warning(request, f"“{self.object}” is retired and can no longer be edited.")
            return redirect(self.object.get_absolute_url())
        if not self.record_type.is_editable(self.object):
            messages.warning(request, f"“{self.object}” cannot be edited in its current state.")
            return redirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def build_form(self, data=None):
        record = self.object
        roles.require(self.request.user, "change", self.record_type.area, record)
        form_class = edit_form_class(self.record_type.form_class)
        initial = {"expected_version": record.version}
        if data is None:
            initial.update(self.links_to_add(form_class, record))
        return form_class(data, instance=record, initial=initial)

    def links_to_add(self, form_class, record):
        """Links proposed by the page the user came from (``?risks=7`` from a risk's page),
        added to the record's current ones for the user to review and save with a reason."""
        added = {}
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.ModelMultipleChoiceField) and name in self.request.GET:
                current = list(getattr(record, name).values_list("pk", flat=True))
                proposed = [int_param(v) for v in self.request.GET.getlist(name)]
                added[name] = current + [v for v in proposed if v and v not in current]
        return added

    def save(self, form):
        return self.record_type.update(
            self.object,
            actor=self.request.user,
            data=form.record_data(),
            expected_version=form.cleaned_data["expected_version"],
            reason=form.cleaned_data["change_reason"],
        )

    def success_message(self, record):
        return f"Saved “{record}” (version {record.version})."


class RecordRetireView(RecordMixin, TemplateView):
    action = "delete"
    template_name = "records/retire.html"

    def get(self, request, *args, **kwargs):
        if not roles.can(request.user, "delete", self.record_type.area, self.object):
            raise PermissionDenied
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        reason = request.POST.get("change_reason", "")
        try:
            record = self.record_type.retire(self.object, actor=request.user, reason=reason)
        except ValidationError as error:
            return self.render_to_response(
                self.get_context_data(errors=error.messages, reason=reason), status=400
            )
        messages.success(request, f"“{record}” retired. It stays in the history.")
        return redirect(record.get_absolute_url())


class RecordTransitionView(RecordMixin, View):
    """POST-only: take one workflow step (submit, approve, ...) with an optional reason."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        record, rt = self.object, self.record_type
        try:
            record = rt.run_transition(
                record, kwargs["step"], actor=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            label = rt.workflow.get(kwargs["step"]).label
            messages.success(request, f"{label}: done. “{record}” is now {_status(rt, record)}.")
        return redirect(record.get_absolute_url())


def _status(rt, record):
    return getattr(record, f"get_{rt.workflow.status_field}_display")().lower()


@require_safe
def record_lookup(request, app_label, model_name):
    """JSON for a searchable filter over one record type: ``{"results": [{"id", "text"}]}``,
    the records the user may see that match ``?q=``."""
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        raise Http404("No such record type.") from None
    rt = record_type_for(model)
    if rt is None or not rt.lookup:
        raise Http404("This record type has no lookup.")
    roles.require(request.user, "view", rt.area)
    return JsonResponse({"results": lookup_matches(rt, request.user, request.GET.get("q", ""))})


@require_safe
def people_lookup(request):
    """JSON for a filter on a person (owner, lead auditor, …): ``{"results": [{"id",
    "text"}]}``, the active users whose names match ``?q=``. Lists name these people to
    anyone logged in, so the search needs only a login."""
    return JsonResponse({"results": people_matches(request.GET.get("q", ""))})
