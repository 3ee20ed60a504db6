from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from bibliobridge.core.models import User
from bibliobridge.demo import exchange
from bibliobridge.exchange.models import ExchangeTerms


class Command(BaseCommand):
    help = (
        "Add the demo's publication exchange: terms, lists, rates, matches, a shipment each "
        "way and a partner's portal link."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if ExchangeTerms.objects.exists():
            self.stdout.write("Exchange demo data not loaded: there are exchange terms already.")
            return
        with transaction.atomic():
            result = exchange.write(User.objects.get(username="exchange"))
        if not result["partners"]:
            self.stdout.write("Exchange demo data not loaded: no partners in Japan and Germany.")
            return
        portal = reverse("exchange:portal", args=[result["link"]])
        self.stdout.write(
            f"Exchange demo data loaded: terms with {result['partners']} partners, "
            f"{result['items']} of our offers. A partner's portal: http://127.0.0.1:8000{portal}"
        )
