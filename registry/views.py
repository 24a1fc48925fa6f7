"""Registry pages the generic record views cannot give: YAML in and out, the system page's
policy denials, a change request started from a system. Thin: services and selectors do
the work."""

import io
import tempfile
import zipfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import FormView

from aims_portal import roles
from aims_portal.records.views import RecordCreateView, RecordListView

from . import imports, policy, selectors
from .changes import approval_problems
from .forms import YAMLImportForm
from .models import AISystem, ChangeRequest


def system_detail_context(system, request):
    policies = policy.policy_set()  # loaded once for both checks
    return {
        "denials": selectors.system_denials(system, policies),
        "go_live_denials": selectors.go_live_denials(system, policies),
        "can_request_change": roles.can(request.user, "change", "inventory", system)
        and roles.can(request.user, "create", "inventory"),
        "can_export": roles.can(request.user, "export", "inventory"),
    }


def change_detail_context(change, request):
    """Why an approver sees no Approve button: the approval guard's problems, if any."""
    blockers = []
    if change.status == ChangeRequest.Status.SUBMITTED and roles.can(
        request.user, "approve", "inventory"
    ):
        blockers = approval_problems(change)
    return {"approval_blockers": blockers}


def policy_detail_context(record, request):
    return {"compile_problem": policy.check_rego(record.name, record.rego)}


def system_yaml(request, pk):
    roles.require(request.user, "export", "inventory")
    system = get_object_or_404(AISystem, pk=pk)
    name, text = imports.export_one(system)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def systems_yaml_zip(request):
    roles.require(request.user, "export", "inventory")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in imports.export_all():
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
    """The change-request form with the system already chosen (from the system's page)."""

    def __init__(self, **kwargs):
        from .records import change_requests

        super().__init__(record_type=change_requests, **kwargs)

    def build_form(self, data=None):
        system = get_object_or_404(AISystem, pk=self.kwargs["system"])
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
