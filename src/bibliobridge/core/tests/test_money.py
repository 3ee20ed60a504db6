import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bibliobridge.core import money
from bibliobridge.core.models import CurrencyRate

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


def rate(currency, quote, value, day=DAY):
    return CurrencyRate.objects.create(
        currency=currency, quote_currency=quote, rate=Decimal(value), valid_from=day
    )


def test_amounts_round_half_up_to_the_currency_minor_unit():
    assert money.rounded(Decimal("10.005"), "CNY") == Decimal("10.01")
    assert money.rounded(Decimal("10.004"), "CNY") == Decimal("10.00")
    assert money.rounded(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert money.rounded(Decimal("1.0005"), "KWD") == Decimal("1.001")


def test_the_same_currency_is_not_converted():
    assert money.convert(Decimal("12.34"), "USD", "USD", DAY) == Decimal("12.34")


def test_conversion_uses_the_latest_rate_valid_on_the_day():
    rate("USD", "CNY", "7.10", datetime.date(2026, 1, 1))
    rate("USD", "CNY", "7.25", datetime.date(2026, 2, 15))
    rate("USD", "CNY", "7.40", datetime.date(2026, 4, 1))  # not yet valid on DAY
    assert money.convert(Decimal("100"), "USD", "CNY", DAY) == Decimal("725.00")
    assert money.convert(Decimal("100"), "USD", "CNY", datetime.date(2026, 1, 31)) == Decimal(
        "710.00"
    )


def test_the_inverse_of_a_recorded_pair_is_used():
    rate("USD", "CNY", "7.25")
    # 100 / 7.25 = 13.7931..., rounded once at the end.
    assert money.convert(Decimal("100"), "CNY", "USD", DAY) == Decimal("13.79")


def test_a_pair_not_recorded_goes_through_a_currency_both_are_valued_in():
    rate("USD", "CNY", "7.20")
    rate("JPY", "CNY", "0.048")
    # 1000 JPY = 48 CNY = 6.666... USD
    assert money.convert(Decimal("1000"), "JPY", "USD", DAY) == Decimal("6.67")
    # 10 USD = 72 CNY = 1500 JPY, no minor unit in yen.
    assert money.convert(Decimal("10"), "USD", "JPY", DAY) == Decimal("1500")


def test_a_missing_rate_is_a_clear_error_naming_the_pair_and_day():
    rate("USD", "CNY", "7.20", datetime.date(2026, 6, 1))
    with pytest.raises(money.RateMissing) as caught:
        money.convert(Decimal("1"), "USD", "CNY", DAY)
    assert "USD" in caught.value.messages[0] and "2026-03-01" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        money.convert(Decimal("1"), "EUR", "CNY", DAY)


def test_one_rates_object_looks_each_pair_and_day_up_once(django_assert_num_queries):
    rate("USD", "CNY", "7.20")
    rates = money.Rates()
    with django_assert_num_queries(2):  # the pairs, then the day's rate
        for _ in range(5):
            assert rates.convert(Decimal("1"), "USD", "CNY", DAY) == Decimal("7.20")


def test_a_rate_is_checked(exchange_staff):
    with pytest.raises(ValidationError) as caught:
        CurrencyRate(
            currency="usd", quote_currency="USD", rate=Decimal("1"), valid_from=DAY
        ).full_clean()
    assert "quote_currency" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        CurrencyRate(
            currency="XYZ", quote_currency="CNY", rate=Decimal("0"), valid_from=DAY
        ).full_clean()
    assert {"currency", "rate"} <= set(caught.value.error_dict)
    rate("USD", "CNY", "7.2")
    with pytest.raises(IntegrityError), transaction.atomic():
        rate("USD", "CNY", "7.3")
