"""`bibliobridge demo_data`: personas, our library and a partner network to try the product.

Deterministic (a fixed seed) and idempotent (nothing is written if our library exists).
The default size goes through the services; large sizes (--institutions or --agreements
above BULK_ABOVE) are written with bulk_create from the same plan.
"""

import time
from collections import Counter
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from bibliobridge.agreements.enums import AgreementStatus
from bibliobridge.agreements.models import Agreement
from bibliobridge.core.models import User
from bibliobridge.demo import generate, network
from bibliobridge.partners.models import Institution

BULK_ABOVE = 1000


def ensure_personas() -> dict[str, User]:
    """The demo accounts; existing accounts keep their passwords."""
    users = {}
    for username, password, role, full_name, language in network.PERSONAS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=password,
                email=f"{username}@{network.HOME['domain']}",
                # Chinese names are written whole, family name first; AbstractUser would
                # join first and last name the Western way round.
                first_name=full_name,
                language=language,
                time_zone="Asia/Shanghai",
                is_staff=role == "administrator",
                is_superuser=role == "administrator",
            )
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


class Command(BaseCommand):
    help = "Create demo users, our library and a believable partner network with agreements."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--institutions", type=int, default=generate.DEFAULT_INSTITUTIONS,
                            help="Partner institutions to create (default %(default)s).")  # fmt: skip
        parser.add_argument("--agreements", type=int, default=generate.DEFAULT_AGREEMENTS,
                            help="Agreements to create (default %(default)s).")  # fmt: skip
        parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED,
                            help="Seed of the generator; the same seed gives the same data.")  # fmt: skip
        parser.add_argument("--bulk", action="store_true",
                            help=f"Write with bulk_create (automatic above {BULK_ABOVE} rows of either).")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if Institution.objects.filter(is_home=True).exists():
            home = Institution.objects.get(is_home=True)
            self.stdout.write(f"Demo data not loaded: our library ({home.name}) already exists.")
            return
        started = time.monotonic()
        plan = generate.make_plan(options["seed"], options["institutions"], options["agreements"])
        bulk = options["bulk"] or max(options["institutions"], options["agreements"]) > BULK_ABOVE
        with transaction.atomic():
            users = ensure_personas()
            if bulk:
                generate.write_in_bulk(plan, users["officer"])
            else:
                generate.write_with_services(plan, users["officer"])
        self.summary(time.monotonic() - started, bulk)

    def summary(self, seconds: float, bulk: bool) -> None:
        partners = Institution.objects.filter(is_home=False)
        statuses = Counter(Agreement.objects.values_list("status", flat=True))
        self.stdout.write(
            f"Demo data loaded in {seconds:.1f} s ({'bulk' if bulk else 'services'}): "
            f"{partners.count()} partner institutions in {partners.values('country').distinct().count()} "
            f"countries, {sum(statuses.values())} agreements."
        )
        for status in AgreementStatus:
            self.stdout.write(f"  {status.value:<12} {statuses.get(status.value, 0):>6}")
        self.stdout.write(
            "Sign in as admin, officer, ill, exchange or viewer (password bibliobridge-<name>)."
        )
