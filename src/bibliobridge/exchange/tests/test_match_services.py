"""Matching through the services, on both databases: suggestions stored, decisions kept."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from bibliobridge.core.queries import activity_for
from bibliobridge.exchange import services
from bibliobridge.exchange.enums import ItemStatus, ListKind, MatchStatus
from bibliobridge.exchange.models import MatchSuggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def our_wants(exchange_staff):
    return services.create_list(
        exchange_staff, {"name": "Desiderata", "kind": ListKind.WANT, "partner": None}
    )


@pytest.fixture
def their_offers(exchange_staff, partner):
    return services.create_list(
        exchange_staff, {"name": "NDL duplicates", "kind": ListKind.OFFER, "partner": partner}
    )


def add(actor, exchange_list, title, **values):
    return services.add_item(actor, exchange_list, {"title": title, **values})


def suggested():
    return sorted(
        MatchSuggestion.objects.values_list("want__title", "offer__title", "status", "partner")
    )


def test_our_wants_against_partners_offers(exchange_staff, partner, our_wants, their_offers):
    wanted = add(exchange_staff, our_wants, "Hong lou meng", isbn="7-02-000220-X")
    add(exchange_staff, our_wants, "Introduction to algorithms", edition="3rd ed.", year=2009,
        author="Cormen, Thomas H.")  # fmt: skip
    offered = add(exchange_staff, their_offers, "紅樓夢", isbn="9787020002207")
    add(exchange_staff, their_offers, "Introduction to algorithms", edition="2nd ed.",
        year=2009, author="Cormen, Thomas H.")  # fmt: skip

    run = services.find_matches(exchange_staff)

    assert run.as_dict() == {"new": 1, "refreshed": 0, "dropped": 0}
    assert suggested() == [("Hong lou meng", "紅樓夢", MatchStatus.SUGGESTED, partner.pk)]
    match = MatchSuggestion.objects.get()
    assert (match.want_id, match.offer_id) == (wanted.pk, offered.pk)
    assert match.reasons[0] == {"code": "same_isbn", "params": {"isbn": "9787020002207"}}
    assert match.score >= 0.9
    entry = activity_for(our_wants)[0]
    assert entry.changes == {"matches": {"new": 1, "refreshed": 0, "dropped": 0}}


def test_partners_wants_against_our_offers_never_ours_against_ours(
    exchange_staff, partner, our_wants, offer_list, want_list
):
    add(exchange_staff, our_wants, "红楼梦", isbn="9787020002207")
    ours = add(exchange_staff, offer_list, "红楼梦", isbn="9787020002207")
    theirs = add(exchange_staff, want_list, "Hong lou meng", isbn="9787020002207")

    services.find_matches(exchange_staff)

    assert list(MatchSuggestion.objects.values_list("want", "offer")) == [(theirs.pk, ours.pk)]


def test_rejected_pair_is_not_suggested_again(exchange_staff, our_wants, their_offers):
    add(exchange_staff, our_wants, "红楼梦", isbn="9787020002207")
    add(exchange_staff, their_offers, "紅樓夢", isbn="9787020002207")
    services.find_matches(exchange_staff)
    match = MatchSuggestion.objects.get()

    services.reject(exchange_staff, match)
    run = services.find_matches(exchange_staff)

    assert run.as_dict() == {"new": 0, "refreshed": 0, "dropped": 0}
    match.refresh_from_db()
    assert (match.status, match.decided_by) == (MatchStatus.REJECTED, exchange_staff)
    assert MatchSuggestion.objects.count() == 1


def test_rerun_refreshes_and_drops_undecided_keeps_decided(exchange_staff, our_wants, their_offers):
    first = add(exchange_staff, our_wants, "红楼梦", isbn="9787020002207")
    add(exchange_staff, our_wants, "Middlemarch", isbn="9780141439549")
    gone = add(exchange_staff, their_offers, "紅樓夢", isbn="9787020002207")
    kept = add(exchange_staff, their_offers, "Middlemarch", isbn="9780141439549")
    services.find_matches(exchange_staff)
    accepted = MatchSuggestion.objects.get(offer=kept)
    services.accept(exchange_staff, accepted)
    # The partner's copy is reserved elsewhere, and our want's title changes.
    services.update_item(exchange_staff, gone, {"status": ItemStatus.RESERVED})
    services.update_item(exchange_staff, first, {"title": "Hong lou meng"})

    run = services.find_matches(exchange_staff)

    assert run.as_dict() == {"new": 0, "refreshed": 0, "dropped": 1}
    assert list(MatchSuggestion.objects.values_list("offer", "status")) == [
        (kept.pk, MatchStatus.ACCEPTED)
    ]


def test_run_for_one_list_leaves_other_lists_alone(
    exchange_staff, partner, our_wants, their_offers, want_list, offer_list
):
    add(exchange_staff, our_wants, "红楼梦", isbn="9787020002207")
    add(exchange_staff, their_offers, "紅樓夢", isbn="9787020002207")
    add(exchange_staff, want_list, "Middlemarch", isbn="9780141439549")
    add(exchange_staff, offer_list, "Middlemarch", isbn="9780141439549")

    run = services.find_matches(exchange_staff, want_list)

    assert run.new == 1
    assert suggested() == [("Middlemarch", "Middlemarch", MatchStatus.SUGGESTED, partner.pk)]


def test_a_decision_is_taken_once(exchange_staff, officer, our_wants, their_offers):
    add(exchange_staff, our_wants, "红楼梦", isbn="9787020002207")
    add(exchange_staff, their_offers, "紅樓夢", isbn="9787020002207")
    services.find_matches(exchange_staff)
    match = MatchSuggestion.objects.get()

    returned = services.accept(exchange_staff, match)

    assert returned.status == MatchStatus.ACCEPTED and returned.decided_at is not None
    with pytest.raises(ValidationError):
        services.reject(officer, match)
    match.refresh_from_db()
    assert (match.status, match.decided_by) == (MatchStatus.ACCEPTED, exchange_staff)
    [entry] = activity_for(match)
    assert entry.changes == {"status": ["suggested", "accepted"]}


def test_management_command(exchange_staff, our_wants, their_offers, capsys):
    add(exchange_staff, our_wants, "红楼梦", isbn="9787020002207")
    add(exchange_staff, their_offers, "紅樓夢", isbn="9787020002207")

    call_command("exchange_match")

    assert capsys.readouterr().out.startswith("1 new suggestions, 0 refreshed, 0 dropped")
    assert MatchSuggestion.objects.count() == 1


def test_items_keep_their_title_forms(exchange_staff, their_offers):
    item = add(exchange_staff, their_offers, "紅樓夢", language="zh")
    assert item.match_title == "红楼梦 hongloumeng"
    services.update_item(exchange_staff, item, {"title": "Middlemarch"})
    item.refresh_from_db()
    assert item.match_title == "middlemarch"


def test_accepting_a_partners_want_reserves_our_offer_for_it(
    exchange_staff, partner, offer_list, want_list
):
    from bibliobridge.exchange import reservations
    from bibliobridge.partners.tests.factories import InstitutionFactory

    ours = add(exchange_staff, offer_list, "Lu Xun quan ji", isbn="9787020050857")
    add(exchange_staff, want_list, "鲁迅全集", isbn="978-7-02-005085-7")
    services.find_matches(exchange_staff)
    match = MatchSuggestion.objects.get()
    services.accept(exchange_staff, match)
    ours.refresh_from_db()
    assert (ours.status, ours.reserved_for) == (ItemStatus.RESERVED, partner)

    # Someone else took the offer first: nothing is decided, and the message names it.
    other_item = add(exchange_staff, offer_list, "Zhao hua xi shi", isbn="9787020024773")
    add(exchange_staff, want_list, "朝花夕拾", isbn="9787020024773")
    services.find_matches(exchange_staff)
    second = MatchSuggestion.objects.get(offer=other_item)
    reservations.reserve([other_item], InstitutionFactory())
    with pytest.raises(ValidationError) as caught:
        services.accept(exchange_staff, second)
    assert "Zhao hua xi shi" in " ".join(caught.value.messages)
    second.refresh_from_db()
    assert second.status == MatchStatus.SUGGESTED


def test_stored_title_forms_of_hebrew_and_arabic_items_are_made_again(
    exchange_staff, our_wants, their_offers
):
    """Migration 0007: items saved before titles were keyed by their consonants."""
    import importlib

    from django.apps import apps

    from bibliobridge.exchange.models import ListItem

    author = {"author": "Shneebalg, Avraham Zeʼev", "language": "heb", "year": 1999}
    hebrew = add(exchange_staff, our_wants, "ספר ארחות ימים", **author)
    romanised = add(exchange_staff, their_offers, "Sefer Orḥot yamim", **author)
    english = add(exchange_staff, their_offers, "Collected poems", language="eng")
    ListItem.objects.filter(pk=hebrew.pk).update(match_title="ספרארחותימים")
    ListItem.objects.filter(pk=romanised.pk).update(match_title="seferorhotyamim")

    migration = importlib.import_module(
        "bibliobridge.exchange.migrations.0007_consonant_title_forms"
    )
    migration.forms_again(apps, None)

    forms = dict(ListItem.objects.values_list("pk", "match_title"))
    assert forms[hebrew.pk] == "ספרארחותימים SPRHTM"
    assert forms[romanised.pk] == "seferorhotyamim SPRHTM"
    assert forms[english.pk] == "collectedpoems"
    assert services.find_matches(exchange_staff).new == 1
