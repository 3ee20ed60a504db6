from django.core.management.base import BaseCommand, CommandError

from bibliobridge.partners.io.ror import RorDumpError, import_ror, load_dump

from ._io_common import acting_user


class Command(BaseCommand):
    help = "Seed partner institutions from a ROR data dump (schema v2 .json, or the .zip)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--country", action="append", default=[], help="ISO 3166 code; repeat for more"
        )
        parser.add_argument(
            "--type", action="append", default=[], help="ROR type such as education; repeat"
        )
        parser.add_argument("--as", dest="username", help="the user the audit trail names")

    def handle(self, file, country, type, username, **options):
        actor = acting_user(username)
        try:
            records = load_dump(file)
        except (OSError, RorDumpError) as error:
            raise CommandError(str(error)) from error
        result = import_ror(actor, records, countries=country, types=type)
        for ror_id, message in result.errors:
            self.stdout.write(f"{ror_id}\t{message}")
        self.stdout.write(
            self.style.SUCCESS(
                f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
                f"skipped {result.skipped}, parents linked {result.linked}, errors {len(result.errors)}"
            )
        )
