from base64 import b32encode

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_otp import login as otp_login

from . import charts, dashboard, history, notifications, readiness, roles, scopes, two_factor
from .context_processors import header_counts
from .forms import OTPCodeForm, PortalAuthenticationForm
from .models import TrackedModel
from .params import int_param
from .records import record_type_for


@login_not_required
@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the portal's icon."""
    return redirect(static("vendor/bootstrap-icons-svg/shield-check.svg"), permanent=True)


@login_not_required
@never_cache
def health(request):
    """Liveness for load balancers and compose: the app answers and the database responds."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # the point is to report, not to raise
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "database": database}, status=status
    )


@login_not_required
def admin_login(request, extra_context=None):
    """Stands in for the admin's own login form, so there is one login page."""
    if request.user.is_authenticated:
        raise PermissionDenied("The administration site is for administrators only.")
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def home(request):
    roles.require(request.user, "view", "dashboard")
    return render(request, "aims_portal/home.html", {"cards": dashboard.cards_for(request.user)})


def readiness_page(request):
    """The certification-readiness checklist, computed from live data on every visit."""
    roles.require(request.user, "view", "dashboard")
    results = readiness.report()
    passed = sum(1 for result in results if result.passed)
    return render(
        request,
        "aims_portal/readiness.html",
        {
            "results": results,
            "milestones": readiness.milestones(results),
            "passed": passed,
            "total": len(results),
            "score_chart": charts.score_blocks(
                passed, len(results), title="Certification readiness score", key="readiness-score"
            ),
        },
    )


def _tracked_model(app_label, model_name):
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as missing:
        raise Http404("No such record type.") from missing
    if not issubclass(model, TrackedModel):
        raise Http404("No such record type.")
    return model


def _history_context(request, app_label, model_name, pk):
    model = _tracked_model(app_label, model_name)
    if not roles.can(request.user, "view", model.area):
        raise PermissionDenied
    record = model._base_manager.filter(pk=pk).first()
    if scopes.is_scoped(request.user) and not (record and scopes.visible(request.user, record)):
        # Outside the user's scope, or deleted (a deleted row no longer says where it was).
        raise Http404("No such record.")
    rt = record_type_for(model)
    return model, {
        "model_name": str(model._meta.verbose_name),
        "record": record,
        "record_label": str(record) if record else f"{model._meta.verbose_name} #{pk} (deleted)",
        "rt": rt,
        "history_url_args": (app_label, model_name, pk),
    }


HISTORY_PAGE_SIZE = 25


def _history_page(request, model, pk, context, *, status=200):
    number = int_param(request.GET.get("page"))
    shown = int_param(request.GET.get("version"))
    if shown is not None and number is None:  # a link to one version: open its page
        number = history.version_page(model, pk, shown, HISTORY_PAGE_SIZE)
    page = Paginator(history.versions(model, pk), HISTORY_PAGE_SIZE).get_page(number)
    context["shown_version"] = shown
    if not page.object_list and page.number == 1:
        raise Http404("This record has no history.")
    context["page_obj"] = page
    context["rows"] = history.changed_fields_per_version(model, pk, page)
    return render(request, "history/list.html", context, status=status)


def record_history(request, app_label, model_name, pk):
    model, context = _history_context(request, app_label, model_name, pk)
    return _history_page(request, model, pk, context)


def record_history_diff(request, app_label, model_name, pk):
    model, context = _history_context(request, app_label, model_name, pk)
    chosen = [int_param(request.GET.get("from")), int_param(request.GET.get("to"))]
    if not all(chosen):
        messages.error(request, "Choose two versions to compare.")
        return _history_page(request, model, pk, context, status=400)
    rows = {
        row.history_id: row for row in history.versions(model, pk).filter(history_id__in=chosen)
    }
    if len(rows) != len(set(chosen)) or len(set(chosen)) != 2:
        messages.error(request, "Choose two different versions of this record.")
        return _history_page(request, model, pk, context, status=400)
    older, newer = sorted(rows.values(), key=lambda row: row.history_id)
    context.update(
        older=older,
        newer=newer,
        changes=history.diff(model, older, newer),
    )
    return render(request, "history/diff.html", context)


class PortalLoginView(LoginView):
    """Password login; marks the session verified when an authenticator code was given."""

    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Single sign-on (the identity app) is offered once a provider is configured.
        if settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT:
            context["sso_name"] = settings.AIMS_OIDC_PROVIDER_NAME
        return context


def two_factor_verify(request):
    """The authenticator code after a single sign-on that did not verify it already."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if not two_factor.code_due(request):
        return redirect(next_url or "home")
    device = two_factor.confirmed_device(request.user)
    if device is None:  # required, not set up yet: set it up (which verifies the session)
        request.session.pop(two_factor.CODE_DUE_SESSION_KEY, None)
        return redirect("two-factor")
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.check_login_code(request.user, form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        else:
            otp_login(request, device)
            request.session.pop(two_factor.CODE_DUE_SESSION_KEY, None)
            return redirect(next_url or "home")
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


def two_factor_settings(request):
    """Turn two-factor authentication on (scan, then confirm a code) or off."""
    user = request.user
    device = two_factor.confirmed_device(user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            if request.POST.get("action") == "disable":
                two_factor.disable(user, token)
                messages.success(request, "Two-factor authentication is off.")
            else:
                device = two_factor.setup_confirm(user, token)
                otp_login(request, device)
                messages.success(request, "Two-factor authentication is on for your account.")
            return redirect("two-factor")
        except ValidationError as error:
            form.add_error("token", error)
    pending = None
    if device is None:
        pending = two_factor.pending_device(user)
        if pending is None or request.method == "GET":
            pending = two_factor.setup_start(user)
    context = {
        "device": device,
        "form": form,
        "required": two_factor.required_for(user),
        "qr_svg": two_factor.qr_code_svg(pending) if pending else "",
        "secret": b32encode(pending.bin_key).decode() if pending else "",
    }
    return render(request, "registration/two_factor.html", context)


def notification_list(request):
    """The user's notifications, newest first; POST marks them read."""
    if request.method == "POST":
        notifications.mark_read(request.user)
        messages.success(request, "All notifications marked as read.")
        return redirect("notifications")
    page = Paginator(request.user.notifications.all(), 25).get_page(
        int_param(request.GET.get("page"))
    )
    context = {"page_obj": page, **header_counts(request.user)}
    return render(request, "aims_portal/notifications.html", context)
