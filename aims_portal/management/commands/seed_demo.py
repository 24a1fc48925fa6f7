"""Load demo data: one user per role, then each app's demo records. Safe to run again."""

from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from aims_portal import roles, search
from aims_portal.services import tracked_save

DEMO_USERS = [
    # username, role, first name, last name
    ("admin", roles.ADMIN, "Ada", "Admin"),
    ("lead", roles.GOVERNANCE_LEAD, "Grace", "Lead"),
    ("owner", roles.SYSTEM_OWNER, "Omar", "Owner"),
    ("exec", roles.EXECUTIVE, "Erin", "Executive"),
    ("auditor", roles.AUDITOR, "Ali", "Auditor"),
]


def demo_password(username):
    return f"{username}-demo-2026"


class Command(BaseCommand):
    help = "Create demo users (one per role) and demo records; prints the logins."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        users = {}
        for username, role, first, last in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@aims.example",
                )
                user.set_password(demo_password(username))
                user.is_staff = user.is_superuser = role == roles.ADMIN
                tracked_save(user, None, "Demo user")
            # The groups come from a migration; a flushed database gets them back here.
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
            users[role] = user

        for app in apps.get_app_configs():
            # Each app that has demo data keeps it in its own demo.py, loaded in
            # INSTALLED_APPS order so that records can refer to those of earlier apps. The
            # integrity app comes last: its demo signs a checkpoint over everything the
            # others wrote, then verifies it.
            if module_has_submodule(app.module, "demo"):
                import_module(f"{app.name}.demo").load(users)
        # Records written in bulk by the demo loaders reach the search index too.
        search.reindex()

        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with:"))
        for username, role, _, _ in DEMO_USERS:
            label = roles.role_label(role)
            self.stdout.write(f"  {label:<22} {username:<8} / {demo_password(username)}")
