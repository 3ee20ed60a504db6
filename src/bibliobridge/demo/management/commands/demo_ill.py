from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from bibliobridge.core.models import User
from bibliobridge.demo import ill
from bibliobridge.ill.models import IllRequest


class Command(BaseCommand):
    help = "Add the demo's ILL: a mock ISO 18626 lender on loopback and requests in every state."

    def handle(self, *args: Any, **options: Any) -> None:
        if IllRequest.objects.exists():
            self.stdout.write("ILL demo data not loaded: there are ILL requests already.")
            return
        with transaction.atomic():
            result = ill.write(User.objects.get(username="ill"))
        self.stdout.write(
            f"ILL demo data loaded: {result['requests']} requests; the mock lender is "
            f"{result['mock']} (ill_mockpeer on port {ill.MOCK_PORT})."
        )
