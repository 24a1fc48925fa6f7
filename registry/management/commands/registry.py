"""Model-registry YAML for CI and operators.

    manage.py registry validate <folder or file> [--policies DIR] [--offline]
    manage.py registry import <folder or file> --user <username>
    manage.py registry export <folder> [--system <id>]
    manage.py registry sync --repo PATH_OR_URL --ref REF --user <username> [--path models]
    manage.py registry export-git --repo PATH_OR_URL --branch B --user <username> [--base REF]

``validate`` prints one line per problem or denial ("file: rule: message") and exits 0 when
all files pass, 1 when any file is invalid or denied, 2 when there is nothing to check (no
such path, no .yaml files). With ``--offline`` it never opens the database: the built-in
rules and the .rego files of the policy folder only, as a pre-commit hook or CI job needs.
``import`` is all or nothing; ``export`` writes one file per system.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from registry import gitsync, policy, yaml_io
from registry.models import AISystem
from registry.services import imports


def _no_database(execute, sql, params, many, context):
    raise CommandError("--offline: a database query was attempted", returncode=3)


class Command(BaseCommand):
    help = "Validate, import or export model-registry YAML files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="Check files against the registry policies.")
        validate.add_argument("path")
        validate.add_argument("--policies", help="Folder of .rego files (default: the setting)")
        validate.add_argument(
            "--offline",
            "--no-db-policies",
            dest="offline",
            action="store_true",
            help="Never touch the database: built-in rules and policy files only (CI, hooks).",
        )
        load = sub.add_parser("import", help="Import files into the inventory (all or nothing).")
        load.add_argument("path")
        load.add_argument("--user", required=True, help="Username the changes are recorded for.")
        dump = sub.add_parser("export", help="Write one YAML file per system.")
        dump.add_argument("folder")
        dump.add_argument("--system", help="Only this system id.")
        pull = sub.add_parser("sync", help="Import the registry files of a git repository.")
        pull.add_argument("--repo", required=True, help="Repository path or URL.")
        pull.add_argument("--ref", required=True, help="Branch, tag or commit.")
        pull.add_argument("--user", required=True, help="Username the changes are recorded for.")
        pull.add_argument("--path", help="Folder of the YAML files (default: the setting).")
        pull.add_argument("--system", help="Only this system's file.")
        push = sub.add_parser("export-git", help="Commit the portal's registry to a branch.")
        push.add_argument("--repo", required=True, help="Repository path or URL.")
        push.add_argument("--branch", required=True, help="Branch the commit goes on.")
        push.add_argument("--base", help="Where a new branch starts (default: the sync ref).")
        push.add_argument("--user", required=True, help="Username the commit is authored by.")
        push.add_argument("--path", help="Folder of the YAML files (default: the setting).")
        push.add_argument("--message", default="", help="Commit message.")

    def handle(self, *args, **options):
        getattr(self, f"do_{options['action'].replace('-', '_')}")(options)

    def _user(self, username):
        try:
            return get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user {username!r}.") from None

    def do_sync(self, options):
        try:
            result = gitsync.sync(
                repo=options["repo"],
                ref=options["ref"],
                actor=self._user(options["user"]),
                folder=options["path"],
                only=options["system"],
            )
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(f"ERROR {message}")
            raise CommandError("Nothing was synced.", returncode=1) from None
        self.stdout.write(self.style.SUCCESS(f"Synced {result.summary()}."))

    def do_export_git(self, options):
        try:
            commit = gitsync.export_commit(
                repo=options["repo"],
                branch=options["branch"],
                actor=self._user(options["user"]),
                base=options["base"],
                folder=options["path"],
                message=options["message"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages), returncode=1) from None
        if commit is None:
            self.stdout.write("Nothing to commit: the branch already holds the registry.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Committed {commit} on {options['branch']}."))

    def do_validate(self, options):
        if options["offline"]:
            with connections["default"].execute_wrapper(_no_database):
                return self._validate(options)
        return self._validate(options)

    def _validate(self, options):
        target = Path(options["path"])
        if not target.exists():
            raise CommandError(f"No such file or folder: {target}", returncode=2)
        paths = yaml_io.yaml_files(target)
        if not paths:
            raise CommandError(f"No .yaml or .yml files in {target}", returncode=2)
        if options["policies"] and not Path(options["policies"]).is_dir():
            raise CommandError(f"No policy folder {options['policies']}", returncode=2)
        files, problems = yaml_io.read_files(paths)
        rules = policy.policy_set(folder=options["policies"], with_records=not options["offline"])
        for problem in problems:
            self.stdout.write(f"ERROR {problem}")
        denials = 0
        for f in files:
            for denial in rules.evaluate(f.policy_input):
                denials += 1
                self.stdout.write(f"DENY {f.name}: {denial.rule}: {denial.message}")
        summary = (
            f"{len(paths)} files, {len(rules.rules)} rules: "
            f"{len(problems)} invalid, {denials} denials"
        )
        if problems or denials:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def do_import(self, options):
        try:
            user = get_user_model().objects.get(username=options["user"], is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user {options['user']!r}.") from None
        try:
            result = imports.import_files(yaml_io.yaml_files(options["path"]), actor=user)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(f"ERROR {message}")
            raise CommandError("Nothing was imported.", returncode=1) from None
        self.stdout.write(self.style.SUCCESS(f"Imported: {result.summary()}."))

    def do_export(self, options):
        folder = Path(options["folder"])
        folder.mkdir(parents=True, exist_ok=True)
        if options["system"]:
            system = AISystem.objects.filter(slug=options["system"]).first()
            if system is None:
                raise CommandError(f"No system {options['system']!r}.")
            files = [imports.export_one(system)]
        else:
            files = imports.export_all()
        count = 0
        for name, text in files:
            (folder / name).write_text(text, encoding="utf-8")
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} files to {folder}."))
