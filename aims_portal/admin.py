from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import AccessLog, APIToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_active", "access_until")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Access window", {"fields": ("access_from", "access_until")}),
    )


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """What auditors viewed and downloaded: readable by admins, changeable by no one."""

    list_display = ("at", "user", "method", "path", "status", "is_download", "ip_address")
    list_filter = ("is_download", "user")
    search_fields = ("path", "user__username")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    """Who has an API token, recognised by its first characters. The key itself is not
    stored, so it cannot be shown; nobody makes a token here for someone else (each user
    makes their own). An administrator may delete a token, which revokes it."""

    list_display = ("user", "key_prefix", "created")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    fields = ("user", "key_prefix", "created")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyRecordAdmin(SimpleHistoryAdmin):
    """AIMS records are written only through the portal's services, where the workflow
    rules live; the admin shows them and their history but cannot change them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
