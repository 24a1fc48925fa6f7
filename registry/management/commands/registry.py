"""Model-registry YAML for CI and operators.

    manage.py registry validate <folder or file> [--policies DIR] [--no-db-policies]
    manage.py registry import <folder or file> --user <username>
    manage.py registry export <folder> [--system <id>]

``validate`` prints one line per problem or denial ("file: rule: message") and exits 1 when
there is any; ``import`` is all or nothing; ``export`` writes one file per system.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry import imports, policy, yaml_io
from registry.models import AISystem


class Command(BaseCommand):
    help = "Validate, import or export model-registry YAML files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="Check files against the registry policies.")
        validate.add_argument("path")
        validate.add_argument("--policies", help="Folder of .rego files (default: the setting)")
        validate.add_argument(
            "--no-db-policies",
            action="store_true",
            help="Do not read policy records from the database (CI without a database).",
        )
        load = sub.add_parser("import", help="Import files into the inventory (all or nothing).")
        load.add_argument("path")
        load.add_argument("--user", required=True, help="Username the changes are recorded for.")
        dump = sub.add_parser("export", help="Write one YAML file per system.")
        dump.add_argument("folder")
        dump.add_argument("--system", help="Only this system id.")

    def handle(self, *args, **options):
        getattr(self, f"do_{options['action']}")(options)

    def do_validate(self, options):
        paths = yaml_io.yaml_files(options["path"])
        files, problems = yaml_io.read_files(paths)
        rules = policy.policy_set(
            folder=options["policies"], with_records=not options["no_db_policies"]
        )
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
