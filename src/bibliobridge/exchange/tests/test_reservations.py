"""Reserving offered items: one conditional update, one winner, nothing half-applied."""

import threading

import pytest
from django.db import connection, connections

from bibliobridge.core.models import ActivityLog
from bibliobridge.exchange import reservations, services
from bibliobridge.exchange.enums import ItemStatus
from bibliobridge.exchange.models import ListItem
from bibliobridge.partners.tests.factories import InstitutionFactory


@pytest.fixture
def other_partner(db):
    return InstitutionFactory(name="Bayerische Staatsbibliothek", country="DE")


@pytest.fixture
def items(exchange_staff, offer_list):
    return [
        services.add_item(exchange_staff, offer_list, {"title": title})
        for title in ("红楼梦", "Война и мир", "Der Zauberberg")
    ]


def states(items):
    return [
        (item.status, item.reserved_for_id, item.reserved_at is not None)
        for item in ListItem.objects.filter(pk__in=[i.pk for i in items]).order_by("pk")
    ]


@pytest.mark.django_db
def test_reserve_marks_the_items_for_the_partner_and_logs_it(items, partner, exchange_staff):
    reserved = reservations.reserve(items[:2], partner, actor=exchange_staff)
    assert [item.pk for item in reserved] == [items[0].pk, items[1].pk]
    assert states(items) == [
        ("reserved", partner.pk, True),
        ("reserved", partner.pk, True),
        ("available", None, False),
    ]
    entry = ActivityLog.objects.filter(message="reserve").get()
    assert entry.actor == exchange_staff
    assert entry.changes[f"list item {items[0].pk}.status"] == ["available", "reserved"]
    assert entry.changes[f"list item {items[1].pk}.reserved_for"] == [None, str(partner)]


@pytest.mark.django_db
def test_the_second_partner_is_told_which_item_is_gone_and_gets_none(items, partner, other_partner):
    reservations.reserve([items[1]], partner)
    with pytest.raises(reservations.ItemsTaken) as taken:
        reservations.reserve(items, other_partner)
    assert [item.pk for item in taken.value.items] == [items[1].pk]
    assert str(taken.value) == "No longer available: “Война и мир”."
    # All or none: the two items still free were not reserved for the loser.
    assert states(items) == [
        ("available", None, False),
        ("reserved", partner.pk, True),
        ("available", None, False),
    ]
    assert ActivityLog.objects.filter(message__startswith="reserve").count() == 1


@pytest.mark.django_db
def test_only_offered_items_can_be_reserved(exchange_staff, want_list, partner):
    wanted = services.add_item(exchange_staff, want_list, {"title": "こころ"})
    with pytest.raises(reservations.ItemsTaken):
        reservations.reserve([wanted], partner)
    assert ListItem.objects.get(pk=wanted.pk).status == ""


@pytest.mark.django_db
def test_release_gives_items_back_once_and_only_the_partners_own(
    items, partner, other_partner, exchange_staff
):
    reservations.reserve([items[0]], partner)
    reservations.reserve([items[1]], other_partner)
    # A partner cannot give back another's item.
    assert reservations.release(items[:2], partner=partner) == [items[0]]
    assert states(items)[:2] == [("available", None, False), ("reserved", other_partner.pk, True)]
    assert reservations.release([items[0]], actor=exchange_staff) == []  # twice: harmless
    released = reservations.release([items[1]], actor=exchange_staff)
    assert [item.pk for item in released] == [items[1].pk]
    entry = ActivityLog.objects.filter(message="release").get()
    assert entry.changes[f"list item {items[1].pk}.reserved_for"] == [str(other_partner), None]
    assert ActivityLog.objects.filter(message="release in portal").count() == 1


@pytest.mark.django_db
def test_a_sent_item_is_not_released(items, partner):
    reservations.reserve([items[0]], partner)
    ListItem.objects.filter(pk=items[0].pk).update(status=ItemStatus.SENT)
    assert reservations.release([items[0]]) == []
    assert ListItem.objects.get(pk=items[0].pk).status == "sent"


@pytest.mark.django_db(transaction=True)
def test_partners_racing_for_an_item_in_threads_get_one_winner(
    exchange_staff, offer_list, partner, other_partner
):
    """Real concurrent transactions (threads with their own connections), many times."""
    rounds, racers = 8, 4
    partners = [partner, other_partner] + [
        InstitutionFactory(name=f"Racer {n}") for n in range(racers - 2)
    ]
    for round_number in range(rounds):
        item = services.add_item(exchange_staff, offer_list, {"title": f"Race {round_number}"})
        barrier = threading.Barrier(racers)
        outcomes: list[tuple[int, str]] = []

        def race(who, item=item, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                reservations.reserve([item.pk], who)
                outcomes.append((who.pk, "won"))
            except reservations.ItemsTaken as error:
                outcomes.append((who.pk, str(error)))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=race, args=(who,)) for who in partners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        winners = [pk for pk, outcome in outcomes if outcome == "won"]
        assert len(outcomes) == racers and len(winners) == 1, (connection.vendor, outcomes)
        losers = {outcome for _pk, outcome in outcomes if outcome != "won"}
        assert losers == {f"No longer available: “Race {round_number}”."}
        item.refresh_from_db()
        assert (item.status, item.reserved_for_id) == ("reserved", winners[0])


def run_at_once(calls):
    """Run the calls in threads released together; returns each one's result or error."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the outcome under test, reported to the assertion
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_partners_adding_one_item_to_their_carts_at_once(
    exchange_staff, offer_list, partner, other_partner
):
    """Through the portal's service: one cart line, the other partner told, no cart of its
    own left half-made."""
    from bibliobridge.exchange import portal
    from bibliobridge.exchange.models import OrderLine, PortalOrder

    for round_number in range(5):
        item = services.add_item(exchange_staff, offer_list, {"title": f"Tie {round_number}"})
        results = run_at_once(
            [
                lambda who=who, pk=item.pk: portal.add_to_cart(who, pk)
                for who in (partner, other_partner)
            ]
        )
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], reservations.ItemsTaken), results
        assert str(errors[0]) == f"No longer available: “Tie {round_number}”."
        lines = OrderLine.objects.filter(item=item)
        assert lines.count() == 1
        item.refresh_from_db()
        assert item.reserved_for_id == lines.get().order.partner_id
    # Each partner has at most one cart, and only the winner's lines.
    for who in (partner, other_partner):
        assert PortalOrder.objects.filter(partner=who, status="cart").count() <= 1


@pytest.mark.django_db(transaction=True)
def test_one_partners_first_two_clicks_at_once_make_one_cart(exchange_staff, offer_list, partner):
    from bibliobridge.exchange import portal
    from bibliobridge.exchange.models import PortalOrder

    first, second = (
        services.add_item(exchange_staff, offer_list, {"title": title}) for title in "AB"
    )
    results = run_at_once([lambda: portal.add_to_cart(partner, first.pk),
                           lambda: portal.add_to_cart(partner, second.pk)])  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception)], results
    cart = PortalOrder.objects.get(partner=partner)
    assert sorted(cart.lines.values_list("title", flat=True)) == ["A", "B"]
