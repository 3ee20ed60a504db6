from django.core.management.base import BaseCommand

from bibliobridge.catalog import search, searching


class Command(BaseCommand):
    help = (
        "Index every cluster of the union catalogue afresh, in one segment (after an upgrade "
        "that changes the index, or to compact it); --merge only merges segments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merge", action="store_true", help="merge segments, index nothing")

    def handle(self, merge, **options):
        if merge:
            merged = search.merge_segments(full=True)
            self.stdout.write(self.style.SUCCESS(f"merged into {len(merged)} segment(s)"))
            return
        count = searching.rebuild()
        self.stdout.write(self.style.SUCCESS(f"{count:,} clusters indexed"))
