"""Money in more than one currency: amounts rounded to their currency's minor unit, and
converted at the rate staff recorded for the day (CurrencyRate).

Amounts are Decimal throughout, never float. A conversion uses the latest rate valid on
the day: the pair as recorded, else its inverse, else across one currency both are
valued in (USD → EUR through CNY when staff keep rates to CNY only). Results are rounded
half up to the minor unit of the target currency (ISO 4217 as CLDR gives it: 2 for CNY
and USD, 0 for JPY and KRW, 3 for KWD), once, after converting.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import CurrencyRate


class RateMissing(ValidationError):
    """No rate recorded for the pair on or before the day."""

    def __init__(self, currency: str, target: str, on: datetime.date) -> None:
        super().__init__(
            _("No rate from %(currency)s to %(target)s is recorded on or before %(date)s."),
            code="rate_missing",
            params={"currency": currency, "target": target, "date": on.isoformat()},
        )


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for CNY, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def rounded(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


class Rates:
    """Conversions at recorded rates, each pair and day looked up once (a ledger converts
    many amounts on few days)."""

    def __init__(self) -> None:
        self._pairs: set[tuple[str, str]] | None = None
        self._found: dict[tuple[str, str, datetime.date], Decimal | None] = {}

    def rate(self, currency: str, target: str, on: datetime.date) -> Decimal:
        """Units of target one unit of currency is worth on the day (unrounded)."""
        if currency == target:
            return Decimal(1)
        direct = self._either_way(currency, target, on)
        if direct is not None:
            return direct
        for middle in sorted({c for pair in self.pairs() for c in pair} - {currency, target}):
            first = self._either_way(currency, middle, on)
            second = self._either_way(middle, target, on) if first is not None else None
            if first is not None and second is not None:
                return first * second
        raise RateMissing(currency, target, on)

    def convert(self, amount: Decimal, currency: str, target: str, on: datetime.date) -> Decimal:
        """The amount in target at the day's rate, rounded to target's minor unit."""
        return rounded(amount * self.rate(currency, target, on), target)

    def pairs(self) -> set[tuple[str, str]]:
        if self._pairs is None:
            self._pairs = set(
                CurrencyRate.objects.values_list("currency", "quote_currency").distinct()
            )
        return self._pairs

    def _either_way(self, a: str, b: str, on: datetime.date) -> Decimal | None:
        value = self._latest(a, b, on)
        if value is not None:
            return value
        inverse = self._latest(b, a, on)
        return 1 / inverse if inverse is not None else None

    def _latest(self, a: str, b: str, on: datetime.date) -> Decimal | None:
        if (a, b) not in self.pairs():
            return None
        key = (a, b, on)
        if key not in self._found:
            self._found[key] = (
                CurrencyRate.objects.filter(currency=a, quote_currency=b, valid_from__lte=on)
                .order_by("-valid_from")
                .values_list("rate", flat=True)
                .first()
            )
        return self._found[key]


def convert(amount: Decimal, currency: str, target: str, on: datetime.date) -> Decimal:
    """One amount in target at the day's rate, rounded to target's minor unit."""
    return Rates().convert(amount, currency, target, on)
