import time

from django.core.management.base import BaseCommand, CommandError

from bibliobridge.exchange import services
from bibliobridge.exchange.models import ExchangeList
from bibliobridge.partners.management.commands._io_common import acting_user


class Command(BaseCommand):
    help = (
        "Match wanted items against offered ones (ours against partners', partners' against "
        "ours) for every list, or for one; decided pairs are kept, rejected ones never "
        "suggested again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", dest="list_id", type=int, help="only this list (its id)")
        parser.add_argument("--as", dest="username", help="the user the audit trail names")

    def handle(self, list_id, username, **options):
        actor = acting_user(username)
        exchange_list = None
        if list_id is not None:
            exchange_list = ExchangeList.objects.filter(pk=list_id).first()
            if exchange_list is None:
                raise CommandError(f"No exchange list has the id {list_id}.")
        started = time.perf_counter()
        run = services.find_matches(actor, exchange_list)
        self.stdout.write(
            f"{run.new} new suggestions, {run.refreshed} refreshed, {run.dropped} dropped "
            f"({time.perf_counter() - started:.1f} s)."
        )
