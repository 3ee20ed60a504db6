from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bibliobridge.agreements.tests.factories import AgreementFactory
from bibliobridge.core.enums import Action
from bibliobridge.core.models import ActivityLog
from bibliobridge.exchange import services
from bibliobridge.exchange.enums import ExchangeKind, ItemStatus, PostagePaidBy
from bibliobridge.exchange.identifiers import normalise_isbn, normalise_issn
from bibliobridge.exchange.models import ExchangeTerms, ListItem
from bibliobridge.partners.models import Contact
from bibliobridge.partners.tests.factories import InstitutionFactory

from .conftest import HELD_ISBN

pytestmark = pytest.mark.django_db


def log_of(obj):
    return list(
        ActivityLog.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
        .order_by("id")
        .values_list("action", "changes")
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("978-7-02-000220-7", ("9787020002207", True)),
        ("7-02-000220-X", ("9787020002207", True)),  # ISBN-10 of the same book
        ("0140449132", ("9780140449136", True)),
        (" 978 0 14 044913 6 ", ("9780140449136", True)),
        ("978-7-02-000220-8", ("978-7-02-000220-8", False)),  # wrong check digit, kept
        ("ISBN unknown", ("ISBN unknown", False)),
        ("", ("", True)),
    ],
)
def test_isbns_become_isbn13_or_are_kept_and_flagged(typed, expected):
    assert normalise_isbn(typed) == expected


def test_issn_is_formatted_or_refused():
    assert normalise_issn("03178471") == "0317-8471"
    with pytest.raises(ValidationError):
        normalise_issn("0317-8472")


def test_terms_are_created_then_changed_with_history(
    exchange_staff, partner, agreement, exchange_contact
):
    terms = services.save_terms(
        exchange_staff,
        partner,
        {
            "kind": ExchangeKind.PRICED, "agreement": agreement, "currency": "JPY",
            "quota_sent": 120, "quota_received": 100, "postage_paid_by": PostagePaidBy.SENDER,
            "contact": exchange_contact, "language": "ja", "notes": "",
        },
    )  # fmt: skip
    assert (terms.partner, terms.kind, terms.currency, terms.quota_sent) == (
        partner, "priced", "JPY", 120,
    )  # fmt: skip
    again = services.save_terms(exchange_staff, partner, {"quota_sent": 150, "kind": "priced"})
    assert again.pk == terms.pk and ExchangeTerms.objects.count() == 1
    assert [action for action, _changes in log_of(terms)] == [Action.CREATED, Action.UPDATED]
    assert log_of(terms)[1][1] == {"quota_sent": [120, 150]}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "priced", "currency": ""}, "currency"),
        ({"kind": "blanket", "currency": "XYZ"}, "currency"),
        ({"kind": "blanket", "language": "klingon"}, "language"),
        ({"kind": "barter"}, "kind"),
    ],
)
def test_bad_terms_are_refused_by_field(exchange_staff, partner, values, field):
    with pytest.raises(ValidationError) as error:
        services.save_terms(exchange_staff, partner, values)
    assert field in error.value.message_dict
    assert ExchangeTerms.objects.count() == 0


def test_terms_take_only_the_partners_own_exchange_agreement_and_contact(exchange_staff, partner):
    other = InstitutionFactory()
    ill_agreement = AgreementFactory(parties=[partner])  # reciprocal ILL, not exchange
    from bibliobridge.agreements.enums import AgreementType

    not_a_party = AgreementFactory(type=AgreementType.PUBLICATION_EXCHANGE, parties=[other])
    stranger = Contact.objects.create(institution=other, name="X", role="exchange")
    for values, field in (
        ({"agreement": ill_agreement}, "agreement"),
        ({"agreement": not_a_party}, "agreement"),
        ({"contact": stranger}, "contact"),
    ):
        with pytest.raises(ValidationError) as error:
            services.save_terms(exchange_staff, partner, {"kind": "blanket", **values})
        assert list(error.value.message_dict) == [field]


def test_items_on_an_offer_list_are_available_and_logged_on_the_list(exchange_staff, offer_list):
    item = services.add_item(
        exchange_staff,
        offer_list,
        {"title": "Der Zauberberg", "isbn": "0-14-044913-2", "price": Decimal("12.50"),
         "currency": "EUR", "quantity": 2},
    )  # fmt: skip
    assert (item.isbn, item.isbn_valid, item.status, item.cluster_id) == (
        "9780140449136", True, ItemStatus.AVAILABLE, None,
    )  # fmt: skip
    services.update_item(exchange_staff, item, {"status": ItemStatus.RESERVED, "quantity": 1})
    pk = item.pk
    services.delete_item(exchange_staff, item)
    history = log_of(offer_list)
    assert [action for action, _changes in history] == ["created", "updated", "updated", "updated"]
    assert history[1][1] == {"list item": [None, "Der Zauberberg"]}
    assert history[2][1] == {
        f"list item {pk}.quantity": [2, 1],
        f"list item {pk}.status": ["available", "reserved"],
    }
    assert history[3][1] == {"list item": ["Der Zauberberg", None]}
    assert ListItem.objects.count() == 0


def test_wanted_items_have_no_status_and_a_price_needs_a_currency(exchange_staff, want_list):
    item = services.add_item(exchange_staff, want_list, {"title": "源氏物語", "status": "sent"})
    assert item.status == ""
    with pytest.raises(ValidationError) as error:
        services.add_item(exchange_staff, want_list, {"title": "枕草子", "price": Decimal(3)})
    assert list(error.value.message_dict) == ["currency"]


def test_items_link_to_the_catalogue_cluster_with_their_isbn(
    exchange_staff, offer_list, held_cluster
):
    linked = services.add_item(
        exchange_staff, offer_list, {"title": "紅樓夢", "isbn": "7-02-000220-X"}
    )
    unlinked = services.add_item(
        exchange_staff, offer_list, {"title": "Other", "isbn": "0140449132"}
    )
    flagged = services.add_item(
        exchange_staff, offer_list, {"title": "Bad", "isbn": "978-7-02-000220-8"}
    )
    assert linked.cluster_id == held_cluster.pk
    assert (unlinked.cluster_id, flagged.cluster_id, flagged.isbn_valid) == (None, None, False)
    # Correcting the ISBN links the item; the catalogue is asked again only then.
    services.update_item(exchange_staff, unlinked, {"isbn": HELD_ISBN})
    unlinked.refresh_from_db()
    assert unlinked.cluster_id == held_cluster.pk
    # The catalogue may drop a cluster as records move; the item stays, unlinked.
    held_cluster.delete()
    linked.refresh_from_db()
    assert linked.cluster_id is None
