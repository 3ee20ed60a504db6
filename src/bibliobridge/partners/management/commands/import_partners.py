from django.core.management.base import BaseCommand, CommandError

from bibliobridge.partners.io.rows import ImportBlocked, import_rows, plan_file
from bibliobridge.partners.io.tabular import ImportFileError

from ._io_common import acting_user


class Command(BaseCommand):
    help = (
        "Import partner institutions from a CSV or XLSX file (columns in docs/partner-import.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--valid-only", action="store_true", help="import the valid rows, skip the others"
        )
        parser.add_argument("--as", dest="username", help="the user the audit trail names")
        parser.add_argument("--dry-run", action="store_true", help="check the file only")

    def handle(self, file, valid_only, username, dry_run, **options):
        actor = acting_user(username)
        try:
            with open(file, "rb") as handle:
                plan = plan_file(handle)
        except (OSError, ImportFileError) as error:
            raise CommandError(str(error)) from error
        for problem in plan.problems:
            self.stdout.write(
                f"row {problem.row}\t{problem.column}\t{problem.level}\t{problem.message}"
            )
        self.stdout.write(
            f"{len(plan.rows)} rows: {plan.count('create')} to create, {plan.count('update')} to update, "
            f"{len(plan.invalid_rows)} with errors"
        )
        if dry_run:
            return
        try:
            result = import_rows(actor, plan, valid_only=valid_only)
        except ImportBlocked as error:
            raise CommandError(f"{error} Use --valid-only to import the valid rows.") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"created {len(result.created)}, updated {len(result.updated)}, skipped {result.skipped}"
            )
        )
