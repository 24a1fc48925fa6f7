"""User management pages for administrators, the invitation's set-password page, and the
logout that also ends the identity provider's session. Thin: services.py holds the rules."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django_otp.plugins.otp_totp.models import TOTPDevice

from aims_portal import history, roles
from aims_portal.params import int_param

from . import selectors, services, sso
from .forms import (
    AccessWindowForm,
    ActivationForm,
    InviteForm,
    RolesForm,
    ScopeForm,
    UserFilterForm,
)

User = get_user_model()
PER_PAGE = 50


def user_list(request):
    roles.require(request.user, "view", "administration")
    filters = UserFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.users(
        q=cleaned.get("q", ""), role=cleaned.get("role", ""), status=cleaned.get("status", "")
    )
    page = Paginator(rows, PER_PAGE).get_page(int_param(request.GET.get("page")))
    people = [
        {
            "user": user,
            "roles": sorted(roles_label(services.held_roles(user))),
            "scope": selectors.scope_of(user),
        }
        for user in page.object_list
    ]
    return render(
        request,
        "identity/user_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "people": people,
            "can_change": roles.can(request.user, "change", "administration"),
        },
    )


def roles_label(names):
    labels = dict(services.role_choices())
    return [labels[name] for name in names]


ACTIONS = {
    "roles": RolesForm,
    "window": AccessWindowForm,
    "scope": ScopeForm,
    "deactivate": ActivationForm,
    "reactivate": ActivationForm,
}


def user_detail(request, pk):
    roles.require(request.user, "view", "administration")
    person = get_object_or_404(selectors.users(status="all"), pk=pk)
    scope = selectors.scope_record(person)
    initial = {
        "roles": {"roles": sorted(services.held_roles(person))},
        "window": {"access_from": person.access_from, "access_until": person.access_until},
        "scope": {
            "teams": list(scope.teams.all()) if scope else [],
            "systems": list(scope.systems.all()) if scope else [],
            "note": scope.note if scope else "",
        },
    }
    forms = {name: form(initial=initial.get(name), prefix=name) for name, form in ACTIONS.items()}
    status = 200
    action = request.POST.get("action")
    if request.method == "POST" and action in ACTIONS:
        roles.require(request.user, "change", "administration")
        form = ACTIONS[action](request.POST, prefix=action)
        forms[action] = form
        if form.is_valid():
            try:
                _apply(action, person, request.user, form.cleaned_data)
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(request, f"{person}: {DONE[action]}")
                return redirect("identity:user-detail", pk=person.pk)
        status = 400
    context = {
        "person": person,
        "roles": roles_label(sorted(services.held_roles(person))),
        "scope": selectors.scope_of(person),
        "forms": forms,
        "versions": history.versions(User, person.pk)[:10],
        "two_factor": TOTPDevice.objects.filter(user=person, confirmed=True).exists(),
        "identities": list(person.external_identities.all()),
        "can_change": roles.can(request.user, "change", "administration"),
    }
    return render(request, "identity/user_detail.html", context, status=status)


DONE = {
    "roles": "roles saved.",
    "window": "access window saved.",
    "scope": "access scope saved.",
    "deactivate": "deactivated; sessions and API token revoked.",
    "reactivate": "reactivated.",
}


def _apply(action, person, actor, data):
    reason = data["change_reason"]
    if action == "roles":
        services.user_roles_set(person, actor=actor, roles_wanted=data["roles"], reason=reason)
    elif action == "window":
        services.user_access_window_set(
            person,
            actor=actor,
            access_from=data["access_from"],
            access_until=data["access_until"],
            reason=reason,
        )
    elif action == "scope":
        services.access_scope_set(
            person,
            actor=actor,
            teams=data["teams"],
            systems=data["systems"],
            note=data["note"],
            reason=reason,
        )
    elif action == "deactivate":
        services.user_deactivate(person, actor=actor, reason=reason)
    else:
        services.user_reactivate(person, actor=actor, reason=reason)


def _attach(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def user_invite(request):
    roles.require(request.user, "create", "administration")
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.user_invite(
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    roles_wanted=form.cleaned_data["roles"],
                )
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(
                    request, f"Invitation sent to {person.email}: they choose a password."
                )
                return redirect("identity:user-detail", pk=person.pk)
        status = 400
    return render(request, "identity/user_invite.html", {"form": form}, status=status)


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation link: choose a password (Django's reset token, one use)."""

    template_name = "identity/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, "Your password is set. Log in with it now.")
        return super().form_valid(form)


class PortalLogoutView(auth_views.LogoutView):
    """Logs out of the portal and, for a single sign-on session, of the provider too."""

    def post(self, request, *args, **kwargs):
        provider = sso.logout_url(request)
        response = super().post(request, *args, **kwargs)
        return redirect(provider) if provider else response
