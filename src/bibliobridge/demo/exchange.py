"""Publication exchange in the demo: terms with three partners, lists on both sides in
several scripts, the year's rates, matches found, a shipment each way, and a portal link.

Everything goes through the exchange's own services, as staff's work does; the portal
link's token is returned (it is stored only as a hash) so that the demo can print it.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bibliobridge.core import services as core_services
from bibliobridge.core.models import User
from bibliobridge.exchange import portal, reservations, services, shipments
from bibliobridge.exchange.enums import CheckResult, ListKind
from bibliobridge.partners.models import Institution

# (title, author, publisher, place, year, ISBN, language, price, currency)
OUR_OFFERS = [
    ("红楼梦", "曹雪芹", "人民文学出版社", "北京", 1982, "9787020002207", "zh", "59.70", "CNY"),
    ("鲁迅全集", "鲁迅", "人民文学出版社", "北京", 2005, "9787020050857", "zh", "1280.00", "CNY"),
    ("中国图书馆分类法", "国家图书馆", "国家图书馆出版社", "北京", 2010, "9787501343157", "zh",
     "120.00", "CNY"),
    ("敦煌学大辞典", "季羡林", "上海辞书出版社", "上海", 1998, "9787532604982", "zh", "380.00",
     "CNY"),
    ("论语译注", "杨伯峻", "中华书局", "北京", 2006, "9787101054491", "zh", "26.00", "CNY"),
    ("唐诗三百首", "蘅塘退士", "中华书局", "北京", 2016, "9787101118209", "zh", "36.00", "CNY"),
]  # fmt: skip
THEIR_OFFERS = [
    ("ノルウェイの森", "村上春樹", "講談社", "東京", 2004, "9784062748681", "ja", "1300", "JPY"),
    ("吾輩は猫である", "夏目漱石", "岩波書店", "東京", 1990, "9784003101018", "ja", "900", "JPY"),
    ("国立国会図書館年報", "国立国会図書館", "国立国会図書館", "東京", 2025, "", "ja", "", ""),
]  # fmt: skip
# Our wants: one the Japanese partner offers (romanised here, vernacular there), one not.
OUR_WANTS = [
    ("Noruwei no mori", "Murakami, Haruki", "Kōdansha", 2004, "978-4-06-274868-1", "ja"),
    ("Der Zauberberg", "Mann, Thomas", "S. Fischer", 1924, "", "de"),
]
# The German partner wants two of our offers (Traditional characters, and an ISBN-10).
THEIR_WANTS = [
    ("紅樓夢", "曹雪芹", 1982, "7-02-000220-X", "zh"),
    ("論語譯注", "楊伯峻", 2006, "", "zh"),
]
RATES = [("USD", "7.10"), ("EUR", "7.75"), ("JPY", "0.048"), ("GBP", "9.05"), ("RUB", "0.078")]


def _partners() -> list[Institution]:
    """A Japanese, a German and a Russian partner when the directory has them."""
    chosen = []
    for country in ("JP", "DE", "RU"):
        found = Institution.objects.filter(is_home=False, country=country, is_active=True)
        partner = found.order_by("pk").first()
        if partner is not None:
            chosen.append(partner)
    return chosen


def write(actor: User) -> dict[str, Any]:
    partners = _partners()
    if len(partners) < 2:
        return {"partners": 0, "items": 0, "link": ""}
    japan, germany = partners[0], partners[1]
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    for currency, rate in RATES:
        core_services.create_rate(
            actor,
            {"currency": currency, "quote_currency": "CNY", "rate": Decimal(rate),
             "valid_from": start, "source": "demo"},
        )  # fmt: skip
    services.save_terms(
        actor, japan,
        {"kind": "piece_for_piece", "currency": "CNY", "quota_sent": 200, "tolerance_items": 20,
         "language": "ja"},
    )  # fmt: skip
    services.save_terms(
        actor, germany,
        {"kind": "priced", "currency": "EUR", "tolerance_value": Decimal("500"), "language": "de"},
    )  # fmt: skip
    for other in partners[2:]:
        services.save_terms(actor, other, {"kind": "blanket", "language": "ru"})

    offers = services.create_list(
        actor, {"name": "复本交换书目 2026 / Duplicates 2026", "kind": ListKind.OFFER}
    )
    ours = [
        services.add_item(
            actor,
            offers,
            {
                "title": t,
                "author": a,
                "publisher": p,
                "place": pl,
                "year": y,
                "isbn": i,
                "language": lang,
                "price": Decimal(price),
                "currency": cur,
            },
        )  # fmt: skip
        for t, a, p, pl, y, i, lang, price, cur in OUR_OFFERS
    ]
    wants = services.create_list(
        actor, {"name": "外文缺藏书目 / Desiderata", "kind": ListKind.WANT}
    )
    for title, author, publisher, year, isbn, language in OUR_WANTS:
        services.add_item(
            actor, wants,
            {"title": title, "author": author, "publisher": publisher, "year": year,
             "isbn": isbn, "language": language},
        )  # fmt: skip
    theirs = services.create_list(
        actor, {"name": "NDL duplicates", "kind": ListKind.OFFER, "partner": japan}
    )
    for t, a, p, pl, y, i, lang, price, cur in THEIR_OFFERS:
        services.add_item(
            actor, theirs,
            {"title": t, "author": a, "publisher": p, "place": pl, "year": y, "isbn": i,
             "language": lang, "price": Decimal(price) if price else None, "currency": cur},
        )  # fmt: skip
    their_wants = services.create_list(
        actor, {"name": "Desiderata", "kind": ListKind.WANT, "partner": germany}
    )
    for title, author, year, isbn, language in THEIR_WANTS:
        services.add_item(
            actor, their_wants,
            {"title": title, "author": author, "year": year, "isbn": isbn, "language": language},
        )  # fmt: skip
    services.find_matches(actor)

    # Two of our offers reserved for the Japanese partner and shipped to it this month.
    reservations.reserve(ours[2:4], japan, actor)
    outgoing = shipments.create_outgoing(
        actor, japan, ours[2:4], {"boxes": 1, "courier": "EMS", "tracking_number": "EE123456789CN",
                                  "postage": Decimal("180.00"), "postage_currency": "CNY"},
    )  # fmt: skip
    shipments.ship(actor, outgoing, on=today)
    # A parcel from the German partner, checked: one line came, one is short a copy.
    incoming = shipments.create_incoming(
        actor, germany,
        {"partner_reference": "BSB-2026-17", "received_on": today - dt.timedelta(days=3),
         "postage": Decimal("42.00"), "postage_currency": "EUR"},
    )  # fmt: skip
    lines = [
        shipments.add_line(
            actor, incoming,
            {"title": "Der Zauberberg", "author": "Mann, Thomas", "publisher": "S. Fischer",
             "place": "Berlin", "year": 1924, "language": "de", "quantity": 1,
             "value": Decimal("45.00"), "currency": "EUR"},
        ),
        shipments.add_line(
            actor, incoming,
            {"title": "Bibliothek: Forschung und Praxis", "issn": "0341-4183",
             "issue": "Jg. 50, Heft 1 (2026)", "language": "de", "quantity": 2,
             "value": Decimal("60.00"), "currency": "EUR"},
        ),
    ]  # fmt: skip
    shipments.record_check(
        actor, incoming,
        {lines[0].pk: {"check_result": CheckResult.RECEIVED},
         lines[1].pk: {"check_result": CheckResult.RECEIVED, "quantity_received": 1,
                       "check_note": "One copy short"}},
    )  # fmt: skip
    _link, token = portal.create_link(actor, japan, 30)
    return {"partners": len(partners), "items": len(OUR_OFFERS), "link": token}
