import json

from django.core.management.base import BaseCommand, CommandError

from bibliobridge.partners.io.directory import EntryError, import_entry

from ._io_common import acting_user


class Command(BaseCommand):
    help = "Import a JSON directory entry (docs/directory-entry.md), or a list of them."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", help="the user the audit trail names")

    def handle(self, file, username, **options):
        actor = acting_user(username)
        try:
            with open(file, "rb") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        entries = data if isinstance(data, list) else [data]
        failed = 0
        for index, entry in enumerate(entries):
            try:
                institution = import_entry(actor, entry)
            except EntryError as error:
                failed += 1
                for path, message in error.problems:
                    prefix = f"[{index}]." if isinstance(data, list) else ""
                    self.stdout.write(f"{prefix}{path}\t{message}")
                continue
            self.stdout.write(f"{institution.pk}\t{institution}")
        if failed:
            raise CommandError(f"{failed} of {len(entries)} entries were not imported.")
