"""What we sent each partner and received from it in a year, what that was worth, and
whether the exchange is still in balance.

A shipment counts in the year it left us (ours: ``shipped_on``) or reached us (the
partner's: ``received_on``); a cancelled or unsent one does not count. A line of a
partner's shipment counts what the check found: nothing when missing, the copies
received when fewer came, and its value in proportion. Values and postage are converted
into the ledger's currency (the terms', else ``settings.EXCHANGE_CURRENCY``) at the rate
valid on that day (``core.money``), each line rounded to the currency's minor unit before
it is added. A value whose rate is not recorded is left out of the totals and named in
``problems``, so a missing rate never passes for zero.

Warnings (``alerts``) follow the kind of exchange: piece for piece and selective exchange
compare the counts, priced exchange the values, each against the tolerance of the terms;
blanket exchange sends what is published, so only its quotas warn.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from bibliobridge.core.money import RateMissing, Rates
from bibliobridge.partners.models import Institution

from .enums import CheckResult, Direction, ExchangeKind, ShipmentStatus
from .models import ExchangeTerms, Shipment, ShipmentItem

# The statuses of a shipment that has left us, or reached us.
SENT = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED, ShipmentStatus.ACKNOWLEDGED)
RECEIVED = (ShipmentStatus.RECEIVED, ShipmentStatus.CHECKED, ShipmentStatus.ACKNOWLEDGED)


@dataclass
class Entry:
    """One shipment in a ledger: its items and value in the ledger's currency."""

    shipment_id: int
    number: str
    direction: str
    day: dt.date
    items: int = 0
    value: Decimal = Decimal(0)
    postage: Decimal = Decimal(0)
    unconverted: list[str] = field(default_factory=list)


@dataclass
class Ledger:
    partner: Institution
    year: int
    currency: str
    terms: ExchangeTerms | None = None
    sent: list[Entry] = field(default_factory=list)
    received: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def items_sent(self) -> int:
        return sum(e.items for e in self.sent)

    @property
    def items_received(self) -> int:
        return sum(e.items for e in self.received)

    @property
    def value_sent(self) -> Decimal:
        return sum((e.value for e in self.sent), Decimal(0))

    @property
    def value_received(self) -> Decimal:
        return sum((e.value for e in self.received), Decimal(0))

    @property
    def postage_sent(self) -> Decimal:
        return sum((e.postage for e in self.sent), Decimal(0))

    @property
    def postage_received(self) -> Decimal:
        return sum((e.postage for e in self.received), Decimal(0))

    @property
    def balance_items(self) -> int:
        """Items sent less items received: above zero, the partner owes us."""
        return self.items_sent - self.items_received

    @property
    def balance_value(self) -> Decimal:
        return self.value_sent - self.value_received

    @property
    def is_complete(self) -> bool:
        """Every value converted: the value totals are the whole truth."""
        return not self.problems

    @property
    def alerts(self) -> list[str]:
        terms, found = self.terms, []
        if terms is None:
            return found
        if terms.kind in (ExchangeKind.PIECE_FOR_PIECE, ExchangeKind.SELECTIVE):
            balance, tolerance = self.balance_items, terms.tolerance_items
            unit = ""
        elif terms.kind == ExchangeKind.PRICED:
            balance, tolerance = self.balance_value, terms.tolerance_value
            unit = f" {self.currency}"
        else:  # blanket: each side sends what it publishes
            balance, tolerance = 0, None
        if tolerance is not None and abs(balance) > tolerance:
            found.append(_imbalance(balance, f"{abs(balance)}{unit}", f"{tolerance}{unit}"))
        if terms.quota_sent is not None and self.items_sent >= terms.quota_sent:
            found.append(
                _("We have sent %(count)d items this year; the quota is %(quota)d.")
                % {"count": self.items_sent, "quota": terms.quota_sent}
            )
        if terms.quota_received is not None and self.items_received >= terms.quota_received:
            found.append(
                _("We have received %(count)d items this year; the quota is %(quota)d.")
                % {"count": self.items_received, "quota": terms.quota_received}
            )
        return found


def _imbalance(balance: int | Decimal, amount: str, tolerance: str) -> str:
    if balance > 0:
        text = _("We have sent %(amount)s more than we received, beyond the %(tolerance)s allowed.")
    else:
        text = _("We have received %(amount)s more than we sent, beyond the %(tolerance)s allowed.")
    return text % {"amount": amount, "tolerance": tolerance}


def ledger_currency(terms: ExchangeTerms | None) -> str:
    return (terms.currency if terms and terms.currency else "") or settings.EXCHANGE_CURRENCY


def ledger_for(partner: Institution, year: int) -> Ledger:
    """The partner's ledger for the year."""
    return ledgers(year, [partner])[partner.pk]


def ledgers(
    year: int, partners: Iterable[Institution] | None = None, currency: str = ""
) -> dict[int, Ledger]:
    """Ledgers for the year by partner id: of the partners given, else of every partner
    with exchange terms or with a shipment that counts in the year. ``currency`` keeps
    them all in one currency (a report's totals) instead of each its terms'."""
    counted = Q(direction=Direction.OUTGOING, status__in=SENT, shipped_on__year=year) | Q(
        direction=Direction.INCOMING, status__in=RECEIVED, received_on__year=year
    )
    shipments = Shipment.objects.filter(counted)
    if partners is not None:
        chosen = {p.pk: p for p in partners}
        shipments = shipments.filter(partner_id__in=chosen)
    else:
        ids = set(shipments.values_list("partner_id", flat=True))
        ids |= set(ExchangeTerms.objects.values_list("partner_id", flat=True))
        chosen = Institution.objects.in_bulk(ids)
    terms = {t.partner_id: t for t in ExchangeTerms.objects.filter(partner_id__in=chosen)}
    result = {
        pk: Ledger(
            partner=partner,
            year=year,
            currency=currency or ledger_currency(terms.get(pk)),
            terms=terms.get(pk),
        )
        for pk, partner in chosen.items()
    }
    entries: dict[int, Entry] = {}
    rates = Rates()
    for shipment in shipments.order_by("shipped_on", "received_on", "id"):
        ledger = result[shipment.partner_id]
        outgoing = shipment.direction == Direction.OUTGOING
        day = shipment.shipped_on if outgoing else shipment.received_on
        entry = Entry(shipment.pk, shipment.number, shipment.direction, day)
        if shipment.postage is not None:
            entry.postage = _converted(
                rates, ledger, entry, shipment.postage, shipment.postage_currency, _("postage")
            )
        (ledger.sent if outgoing else ledger.received).append(entry)
        entries[shipment.pk] = entry
    lines = ShipmentItem.objects.filter(shipment_id__in=entries).values_list(
        "shipment_id", "quantity", "value", "currency", "check_result", "quantity_received",
        "title", "shipment__partner_id",
    )  # fmt: skip
    for shipment_id, quantity, value, currency, check, received, title, partner_id in lines:
        entry, ledger = entries[shipment_id], result[partner_id]
        count = counted_copies(entry.direction, quantity, check, received)
        entry.items += count
        if value is not None and count:
            share = (
                value
                if count == quantity or check == CheckResult.EXTRA
                else value * count / quantity
            )
            entry.value += _converted(rates, ledger, entry, share, currency, title)
    return result


def counted_copies(direction: str, quantity: int, check: str, received: int | None) -> int:
    """Copies a line adds to the ledger: ours as packed; a partner's as the check found."""
    if direction == Direction.OUTGOING:
        return quantity
    if check == CheckResult.MISSING:
        return 0
    if received is not None:
        return received
    return quantity


def _converted(
    rates: Rates, ledger: Ledger, entry: Entry, amount: Decimal, currency: str, what: str
) -> Decimal:
    try:
        return rates.convert(amount, currency or ledger.currency, ledger.currency, entry.day)
    except RateMissing as error:
        problem = _("%(shipment)s, %(what)s: %(reason)s") % {
            "shipment": entry.number,
            "what": what,
            "reason": error.messages[0],
        }
        entry.unconverted.append(problem)
        ledger.problems.append(problem)
        return Decimal(0)


def years_with_shipments(partner: Institution | None = None) -> list[int]:
    """Years in which shipments count, newest first, for the year picker."""
    shipments = (
        Shipment.objects.all() if partner is None else Shipment.objects.filter(partner=partner)
    )
    years = {d.year for d in shipments.filter(shipped_on__isnull=False).dates("shipped_on", "year")}
    years |= {
        d.year for d in shipments.filter(received_on__isnull=False).dates("received_on", "year")
    }
    return sorted(years, reverse=True)


def alerting(year: int) -> list[Ledger]:
    """This year's ledgers that warn, for the exchange index."""
    return [ledger for ledger in ledgers(year).values() if ledger.alerts]
