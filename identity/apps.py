from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity: users, single sign-on and scoped access"

    def ready(self):
        from aims_portal.context_processors import nav_link
        from aims_portal.scopes import register_scope_source

        from . import records  # noqa: F401  (registers the record types)
        from .models import scoped_system_ids

        register_scope_source(scoped_system_ids)
        nav_link("administration", "Users and roles", "identity:user-list", icon="people", order=10)
