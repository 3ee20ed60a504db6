import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bibliobridge.catalog import imports
from bibliobridge.catalog.enums import RunSource, RunStatus
from bibliobridge.catalog.messages import problem_message as message
from bibliobridge.catalog.models import ImportProblem, ImportRun
from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.management.commands._io_common import acting_user
from bibliobridge.partners.queries import find_by_identifier


class Command(BaseCommand):
    help = (
        "Load a partner's catalogue (MARC 21 or UNIMARC / CNMARC / RUSMARC; ISO 2709 or "
        "MARCXML) as its holdings. By default the files replace the holder's records: "
        "records missing from them are withdrawn."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--holder", required=True, help="the holder's ISIL")
        parser.add_argument(
            "--add", action="store_true", help="add and update only; withdraw nothing"
        )
        parser.add_argument("--as", dest="username", help="the user the audit trail names")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, files, holder, add, username, quiet_progress, **options):
        actor = acting_user(username)
        institution = find_by_identifier(IdentifierScheme.ISIL, holder)
        if institution is None:
            raise CommandError(f"No partner has the ISIL {holder!r}.")
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
        run = imports.start_run(
            institution,
            RunSource.COMMAND,
            ", ".join(path.name for path in files),
            actor=actor,
            replace=not add,
        )
        show = None if quiet_progress or not sys.stderr.isatty() else self._progress
        imports.run_import(run, files, progress=show)
        if show:
            sys.stderr.write("\n")
        self._report(run)

    def _progress(self, run: ImportRun) -> None:
        width = 30
        done = int(width * run.percent / 100)
        status = RunStatus(run.status).label
        sys.stderr.write(
            f"\r[{'#' * done}{' ' * (width - done)}] {run.percent:3d}%  "
            f"{run.records_read:,} records  {status}   "
        )
        sys.stderr.flush()

    def _report(self, run: ImportRun) -> None:
        for problem in ImportProblem.objects.filter(run=run):
            where = f"{problem.params['file']}: " if "file" in problem.params else ""
            self.stdout.write(
                f"{where}record {problem.number} at byte {problem.offset}: "
                f"{message(problem.code, problem.params)}"
            )
        if run.rejected > ImportProblem.objects.filter(run=run).count():
            self.stdout.write(f"(only the first {imports.MAX_PROBLEMS} problems are listed)")
        if run.status == RunStatus.FAILED:
            raise CommandError(message(run.error_code, run.error_params))
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.holder}: {run.records_read:,} records read; {run.loaded:,} new, "
                f"{run.updated:,} updated, {run.unchanged:,} unchanged, {run.deleted:,} withdrawn, "
                f"{run.rejected:,} rejected"
            )
        )
