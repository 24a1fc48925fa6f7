"""Pages for working together: my work, search, comments, notification settings, webhooks."""

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import (
    comments,
    mywork,
    notification_preferences,
    notifications,
    roles,
    search,
    webhook_endpoints,
)
from .context_processors import header_counts
from .event_types import EVENT_TYPES
from .models import TrackedModel, WebhookDelivery, WebhookEndpoint
from .params import int_param
from .services import StaleVersionError


def my_work(request):
    context = {"groups": mywork.groups_for(request.user), **header_counts(request.user)}
    return render(request, "aims_portal/my_work.html", context)


@require_safe
@never_cache
def header_badges(request):
    """The header's my-work and notification buttons with their counts, which every page
    fetches once it has loaded (so that no page waits for the counting)."""
    context = header_counts(request.user)
    return render(request, "components/header_badges.html", context)


def search_page(request):
    query = search.clean_query(request.GET.get("q", ""))
    results = list(search.search(request.user, query)) if query else []
    return render(request, "aims_portal/search.html", {"query": query, "results": results})


def _commented_record(app_label, model_name, pk):
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as missing:
        raise Http404("No such record type.") from missing
    if not issubclass(model, TrackedModel):
        raise Http404("No such record type.")
    return get_object_or_404(model, pk=pk)


@require_POST
def comment_add(request, app_label, model_name, pk):
    record = _commented_record(app_label, model_name, pk)
    try:
        comment = comments.comment_create(record, actor=request.user, body=request.POST.get("body"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{record.get_absolute_url()}#comments")
    messages.success(request, "Comment added.")
    return redirect(f"{record.get_absolute_url()}#comment-{comment.pk}")


class PreferenceForm(forms.Form):
    daily_digest = forms.BooleanField(
        required=False,
        label="Send me one e-mail a day instead of one per notification",
    )


def notification_settings(request):
    initial = {"daily_digest": notifications.wants_digest(request.user)}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notification_preferences.preference_set(
            request.user, daily_digest=form.cleaned_data["daily_digest"]
        )
        messages.success(request, "Notification settings saved.")
        return redirect("notification-settings")
    return render(request, "aims_portal/notification_settings.html", {"form": form})


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100)
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=list(EVENT_TYPES.items()), widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(required=False, initial=True)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def webhook_list(request):
    roles.require(request.user, "view", "administration")
    endpoints = WebhookEndpoint.objects.all()
    return render(
        request,
        "aims_portal/webhook_list.html",
        {"endpoints": endpoints, "event_types": EVENT_TYPES},
    )


def _webhook_form_page(request, endpoint=None):
    action = "change" if endpoint else "create"
    roles.require(request.user, action, "administration")
    initial = (
        {
            "name": endpoint.name,
            "url": endpoint.url,
            "events": endpoint.events,
            "active": endpoint.active,
            "expected_version": endpoint.version,
        }
        if endpoint
        else {"active": True}
    )
    form = WebhookForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if endpoint:
                    saved = webhook_endpoints.endpoint_update(
                        endpoint,
                        actor=request.user,
                        data=data,
                        expected_version=data["expected_version"],
                    )
                else:
                    saved = webhook_endpoints.endpoint_create(actor=request.user, data=data)
            except StaleVersionError as conflict:
                form.add_error(None, str(conflict))
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, f"Webhook “{saved}” saved.")
                return redirect(saved.get_absolute_url())
    return render(
        request,
        "aims_portal/webhook_form.html",
        {"form": form, "endpoint": endpoint},
        status=status,
    )


def webhook_create(request):
    return _webhook_form_page(request)


def webhook_edit(request, pk):
    roles.require(request.user, "change", "administration")
    return _webhook_form_page(request, get_object_or_404(WebhookEndpoint, pk=pk))


def webhook_detail(request, pk):
    roles.require(request.user, "view", "administration")
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    page = Paginator(endpoint.deliveries.all(), 25).get_page(int_param(request.GET.get("page")))
    return render(
        request,
        "aims_portal/webhook_detail.html",
        {
            "endpoint": endpoint,
            "page_obj": page,
            "event_labels": [EVENT_TYPES.get(e, e) for e in endpoint.events],
            "can_change": roles.can(request.user, "change", "administration"),
        },
    )


@require_POST
def webhook_rotate(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhook_endpoints.endpoint_rotate_secret(endpoint, actor=request.user)
    messages.success(request, "A new secret is in place: give it to the receiver.")
    return redirect(endpoint.get_absolute_url())


@require_POST
def webhook_delete(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhook_endpoints.endpoint_delete(endpoint, actor=request.user)
    messages.success(request, f"Webhook “{endpoint}” deleted; its history is kept.")
    return redirect("webhook-list")


def webhook_delivery_log(request):
    roles.require(request.user, "view", "administration")
    deliveries = WebhookDelivery.objects.select_related("endpoint")
    status = request.GET.get("status", "")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    elif status:
        messages.warning(request, "Filter ignored: unknown status.")
        status = ""
    page = Paginator(deliveries, 50).get_page(int_param(request.GET.get("page")))
    return render(
        request,
        "aims_portal/webhook_deliveries.html",
        {"page_obj": page, "status": status, "statuses": WebhookDelivery.Status.choices},
    )
