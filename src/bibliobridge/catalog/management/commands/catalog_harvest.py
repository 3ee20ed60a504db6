from django.core.management.base import BaseCommand, CommandError

from bibliobridge.catalog import harvest
from bibliobridge.catalog.messages import problem_message
from bibliobridge.catalog.models import HarvestSource, ImportRun
from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.management.commands._io_common import acting_user
from bibliobridge.partners.queries import find_by_identifier


class Command(BaseCommand):
    help = (
        "Harvest partners' OAI-PMH feeds into the union catalogue: incremental from the last "
        "harvest; deleted records are withdrawn. Each OAI-PMH endpoint in the partner "
        "directory becomes a harvest source (marc21); --url adds another."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--holder", help="the holder's ISIL")
        which.add_argument("--all", action="store_true", help="every enabled source")
        which.add_argument(
            "--schedule", action="store_true", help="queue the daily harvest of every source"
        )
        parser.add_argument("--url", help="an OAI-PMH base URL for the holder (added as a source)")
        parser.add_argument("--prefix", default="marc21", help="metadataPrefix (with --url)")
        parser.add_argument("--set", dest="set_spec", default="", help="setSpec (with --url)")
        parser.add_argument("--full", action="store_true", help="everything, not only changes")
        parser.add_argument("--as", dest="username", help="the user the audit trail names")

    def handle(self, holder, all, schedule, url, prefix, set_spec, full, username, **options):
        if schedule:
            queued = harvest.schedule_next_run()
            self.stdout.write(
                "Daily harvest queued."
                if queued
                else "Nothing queued (already queued, or a backend that cannot defer)."
            )
            return
        actor = acting_user(username)
        sources = HarvestSource.objects.filter(enabled=True).select_related("holder")
        if holder:
            institution = find_by_identifier(IdentifierScheme.ISIL, holder)
            if institution is None:
                raise CommandError(f"No partner has the ISIL {holder!r}.")
            if url:
                HarvestSource.objects.get_or_create(
                    holder=institution, url=url, metadata_prefix=prefix, set_spec=set_spec
                )
            harvest.sources_from_directory(institution)
            sources = sources.filter(holder=institution)
            if url:
                sources = sources.filter(url=url, metadata_prefix=prefix, set_spec=set_spec)
        else:
            if url:
                raise CommandError("--url needs --holder.")
            harvest.sources_from_directory()
        if not sources:
            raise CommandError("No OAI-PMH source to harvest (give --url, or add an endpoint).")
        failed = 0
        for source in sources.order_by("pk"):
            run = harvest.harvest(source, actor=actor, full=full)
            failed += self._report(source, run)
        if failed:
            raise CommandError(f"{failed} harvest(s) failed.")

    def _report(self, source: HarvestSource, run: ImportRun) -> bool:
        self.stdout.write(
            f"{source.holder} {source.url}: {run.records_read:,} records read, "
            f"{run.loaded:,} new, {run.updated:,} updated, {run.unchanged:,} unchanged, "
            f"{run.deleted:,} withdrawn, {run.rejected:,} rejected"
        )
        if run.error_code:
            self.stderr.write(f"  failed: {problem_message(run.error_code, run.error_params)}")
            return True
        return False
