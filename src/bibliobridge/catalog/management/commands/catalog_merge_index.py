import time

from django.core.management.base import BaseCommand

from bibliobridge.catalog import search


class Command(BaseCommand):
    help = (
        "Merge the union catalogue's search index now, by the tiered policy the background "
        "task runs after loads; --full merges every segment into one. Safe beside searches "
        "and loads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="merge every segment into one")

    def handle(self, full, **options):
        before = search.stats()
        started = time.perf_counter()
        merged = search.merge_segments(full=full)
        seconds = time.perf_counter() - started
        after = search.stats()
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(merged)} merge(s) in {seconds:.1f} s: {len(before.segments)} segments "
                f"and {before.postings:,} posting rows before, {len(after.segments)} and "
                f"{after.postings:,} after; {after.live_docs:,} documents live"
            )
        )
