import json
import sys

from django.core.management.base import BaseCommand

from bibliobridge.partners.io.directory import entry_for, entry_queryset
from bibliobridge.partners.io.export import export_csv, export_xlsx, filter_institutions


class Command(BaseCommand):
    help = "Export partner institutions as CSV, XLSX, or JSON directory entries."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--country")
        parser.add_argument("--kind")
        parser.add_argument("--tag")
        parser.add_argument("-q", dest="q", help="search text")

    def handle(self, format, output, **options):
        params = {k: options[k] for k in ("country", "kind", "tag", "q") if options.get(k)}
        institutions = filter_institutions(params)
        if format == "csv":
            data = export_csv(institutions)
        elif format == "xlsx":
            data = export_xlsx(institutions)
        else:
            entries = [
                entry_for(i) for i in entry_queryset().filter(pk__in=institutions.values("pk"))
            ]
            data = json.dumps(entries, ensure_ascii=False, indent=2).encode() + b"\n"
        if output:
            with open(output, "wb") as handle:
                handle.write(data)
        else:
            sys.stdout.buffer.write(data)
