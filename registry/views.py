"""Registry pages the generic record views cannot give: YAML in and out, the system page's
policy denials, a change request started from a system. Thin: services and selectors do
the work."""

import io
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import FormView

from aims_portal import roles
from aims_portal.records.views import RecordCreateView, RecordListView
from aims_portal.scopes import restrict

from . import gitsync, golive, policy, selectors
from .forms import YAMLImportForm
from .models import AISystem, ChangeRequest, Responsibility
from .services import imports
from .workflows import approval_problems


def system_detail_context(system, request):
    policies = policy.policy_set()  # loaded once for both checks
    can_change = roles.can(request.user, "change", "inventory", system)
    return {
        "denials": selectors.system_denials(system, policies),
        "go_live_denials": selectors.go_live_denials(system, policies),
        "can_request_change": can_change and roles.can(request.user, "create", "inventory"),
        "can_export": roles.can(request.user, "export", "inventory"),
        "can_sync": bool(settings.REGISTRY_GIT_REPO) and can_change,
        "sign_offs": system.sign_offs.select_related("signed_by").order_by("-signed_at")[:10],
        "valid_sign_offs": {s.pk for s in golive.valid_sign_offs(system)},
        "can_sign": [
            (value, label)
            for value, label in Responsibility.choices
            if golive.holds(request.user, value) and system.owner_id != request.user.pk
        ],
    }


def change_detail_context(change, request):
    """Why an approver sees no Approve button: the approval guard's problems, if any; and
    whether the user may re-check the request or allow a stage skip."""
    blockers = []
    waiting = change.status == ChangeRequest.Status.SUBMITTED
    approver = roles.can(request.user, "approve", "inventory")
    if waiting and approver:
        blockers = approval_problems(change)
    skips = waiting and bool(
        golive.stage_problems(change.from_stage, change.target_stage or change.from_stage, False)
    )
    return {
        "approver": selectors.approver_facts(change),
        "approval_blockers": blockers,
        "can_recheck": waiting
        and (roles.can(request.user, "change", "inventory", change.system) or approver),
        "can_override": skips
        and change.override_at is None
        and approver
        and change.requested_by_id != request.user.pk,
    }


@require_safe
def system_lookup(request):
    """JSON for the searchable AI-system filters: ``{"results": [{"id", "text"}]}``."""
    roles.require(request.user, "view", "inventory")
    return JsonResponse(
        {"results": selectors.system_lookup(request.GET.get("q", ""), request.user)}
    )


def _refused(request, error):
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


@require_POST
def sign_off(request, pk):
    """A DPO or security officer signs off the system's current version."""
    system = get_object_or_404(restrict(AISystem.objects.all(), request.user), pk=pk)
    try:
        golive.sign_off_record(
            system,
            request.POST.get("responsibility", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
        )
        messages.success(request, f"Sign-off of version {system.version} recorded.")
    except ValidationError as error:  # a refusal of who is asking is a 403
        _refused(request, error)
    return redirect(system.get_absolute_url())


@require_POST
def system_sync(request, pk):
    """Import this system's file from the registry repository (REGISTRY_GIT_REPO)."""
    system = get_object_or_404(restrict(AISystem.objects.all(), request.user), pk=pk)
    roles.require(request.user, "change", "inventory", system)
    if not settings.REGISTRY_GIT_REPO:
        messages.error(request, "No registry repository is configured (REGISTRY_GIT_REPO).")
        return redirect(system.get_absolute_url())
    try:
        result = gitsync.sync(
            repo=settings.REGISTRY_GIT_REPO,
            ref=settings.REGISTRY_GIT_REF,
            actor=request.user,
            only=system.slug,
        )
        messages.success(request, f"Synced from git: {result.summary()}.")
    except ValidationError as error:
        _refused(request, error)
    return redirect(system.get_absolute_url())


@require_POST
def change_recheck(request, pk):
    change = get_object_or_404(ChangeRequest, pk=pk)
    try:
        change = golive.change_request_recheck(change, actor=request.user)
        if change.policy_passed:
            messages.success(request, "Checked again: the check passes now.")
        else:
            messages.warning(request, "Checked again: the check still fails.")
    except ValidationError as error:  # a refusal of who is asking is a 403
        _refused(request, error)
    return redirect(change.get_absolute_url())


@require_POST
def change_override(request, pk):
    change = get_object_or_404(ChangeRequest, pk=pk)
    try:
        golive.change_request_override(
            change, actor=request.user, justification=request.POST.get("justification", "")
        )
        messages.success(request, "Stage skip allowed; the justification is on the record.")
    except ValidationError as error:  # a refusal of who is asking is a 403
        _refused(request, error)
    return redirect(change.get_absolute_url())


def policy_detail_context(record, request):
    return {"compile_problem": policy.check_rego(record.name, record.rego)}


def system_yaml(request, pk):
    roles.require(request.user, "export", "inventory")
    system = get_object_or_404(restrict(AISystem.objects.all(), request.user, "export"), pk=pk)
    name, text = imports.export_one(system)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def systems_yaml_zip(request):
    roles.require(request.user, "export", "inventory")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in imports.export_all(
            restrict(AISystem.objects.all(), request.user, "export")
        ):
            archive.writestr(f"registry/{name}", text)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="registry-yaml.zip"'
    return response


class YAMLImportView(FormView):
    template_name = "registry/import.html"
    form_class = YAMLImportForm

    def dispatch(self, request, *args, **kwargs):
        roles.require(request.user, "create", "inventory")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        with tempfile.TemporaryDirectory() as folder:
            paths = []
            for upload in form.cleaned_data["files"]:
                path = Path(folder) / Path(upload.name).name
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                paths.append(path)
            try:
                result = imports.import_files(paths, actor=self.request.user)
            except ValidationError as error:
                return self.render_to_response(
                    self.get_context_data(form=form, problems=error.messages), status=400
                )
        summary = f"Import done: {result.summary()}."
        if result.change_requests:
            # Stage differences wait for approval: say where they are.
            summary = format_html(
                '{} <a class="alert-link" href="{}?status=submitted">See the change requests '
                "awaiting approval</a>.",
                summary,
                reverse("registry:change-list"),
            )
        messages.success(self.request, summary)
        return redirect("registry:aisystem-list")


class ChangeRequestForSystemView(RecordCreateView):
    """The change-request form with the system already chosen (from the system's page);
    urls.py gives it the change requests' record type."""

    def build_form(self, data=None):
        systems = restrict(AISystem.objects.all(), self.request.user)
        system = get_object_or_404(systems, pk=self.kwargs["system"])
        return self.record_type.form_class(data, initial={"system": system})


class AISystemListView(RecordListView):
    template_name = "registry/aisystem_list.html"


class PolicyListView(RecordListView):
    """Registry policies, and the built-in and file rules that apply beside them."""

    template_name = "registry/policy_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["built_in_rules"] = list(policy.BUILT_IN_RULES)
        context["file_rules"] = policy.file_rule_summary()
        context["policy_folder"] = policy.policy_dir()
        return context
