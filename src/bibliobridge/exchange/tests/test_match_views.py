"""The matches page: who sees it, who decides, and what a decision does."""

import pytest
from django.urls import reverse

from bibliobridge.exchange import services
from bibliobridge.exchange.enums import ListKind, MatchStatus
from bibliobridge.exchange.models import MatchSuggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(exchange_staff, partner):
    ours = services.create_list(
        exchange_staff, {"name": "Desiderata", "kind": ListKind.WANT, "partner": None}
    )
    theirs = services.create_list(
        exchange_staff, {"name": "NDL duplicates", "kind": ListKind.OFFER, "partner": partner}
    )
    services.add_item(exchange_staff, ours, {"title": "Hong lou meng", "isbn": "9787020002207"})
    services.add_item(exchange_staff, theirs, {"title": "紅樓夢", "isbn": "9787020002207"})
    services.find_matches(exchange_staff)
    return MatchSuggestion.objects.get()


def decide_urls(suggestion):
    return [
        reverse("exchange:match_accept", args=[suggestion.pk]),
        reverse("exchange:match_reject", args=[suggestion.pk]),
        reverse("exchange:matches_find"),
    ]


def test_staff_see_both_items_score_reason_and_buttons(exchange_client, suggestion):
    response = exchange_client.get(reverse("exchange:matches"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hong lou meng" in page and "紅樓夢" in page
    assert "Same ISBN 9787020002207" in page
    assert f"{round(suggestion.score * 100)}%" in page
    assert reverse("exchange:match_accept", args=[suggestion.pk]) in page
    assert reverse("exchange:matches_find") in page


def test_viewers_see_the_page_but_cannot_decide(viewer_client, suggestion):
    page = viewer_client.get(reverse("exchange:matches")).content.decode()
    assert "紅樓夢" in page
    assert reverse("exchange:match_accept", args=[suggestion.pk]) not in page
    for url in decide_urls(suggestion):
        assert viewer_client.post(url).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == MatchStatus.SUGGESTED


def test_outsiders_see_nothing(outsider_client, suggestion, client):
    assert outsider_client.get(reverse("exchange:matches")).status_code == 403
    for url in decide_urls(suggestion):
        assert outsider_client.post(url).status_code == 403
    assert client.get(reverse("exchange:matches")).status_code == 302  # to sign in


def test_accept_and_back_to_the_filtered_page(exchange_client, exchange_staff, suggestion):
    back = reverse("exchange:matches") + "?status=suggested"
    response = exchange_client.post(
        reverse("exchange:match_accept", args=[suggestion.pk]), {"next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decided_by) == (MatchStatus.ACCEPTED, exchange_staff)


def test_reject_with_htmx_returns_the_row(exchange_client, suggestion):
    response = exchange_client.post(
        reverse("exchange:match_reject", args=[suggestion.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.startswith(f'<tr id="match-{suggestion.pk}">')
    assert "Rejected" in row and "<form" not in row


def test_deciding_twice_says_so(exchange_client, suggestion):
    url = reverse("exchange:match_accept", args=[suggestion.pk])
    exchange_client.post(url)
    response = exchange_client.post(
        reverse("exchange:match_reject", args=[suggestion.pk]), follow=True
    )
    assert "This suggestion was decided already" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == MatchStatus.ACCEPTED


def test_an_offsite_next_is_not_followed(exchange_client, suggestion):
    response = exchange_client.post(
        reverse("exchange:match_accept", args=[suggestion.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("exchange:matches")


def test_filters(exchange_client, suggestion, partner):
    url = reverse("exchange:matches")
    rejected = exchange_client.get(url, {"status": "rejected"}).content.decode()
    assert "紅樓夢" not in rejected
    assert "紅樓夢" in exchange_client.get(url, {"partner": partner.pk}).content.decode()
    listed = exchange_client.get(url, {"exchange_list": suggestion.want.exchange_list_id})
    assert "紅樓夢" in listed.content.decode()


def test_find_again_for_one_list(exchange_client, suggestion):
    exchange_list = suggestion.want.exchange_list
    response = exchange_client.post(reverse("exchange:matches_find"), {"list": exchange_list.pk})
    assert response["Location"] == f"{reverse('exchange:matches')}?exchange_list={exchange_list.pk}"
    assert exchange_client.post(reverse("exchange:matches_find"), {"list": "x"}).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(
    exchange_client, suggestion, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        exchange_client.get(reverse("exchange:matches"))


def test_linked_from_the_index_and_each_list(exchange_client, suggestion):
    assert (
        reverse("exchange:matches")
        in exchange_client.get(reverse("exchange:index")).content.decode()
    )
    exchange_list = suggestion.want.exchange_list
    page = exchange_client.get(reverse("exchange:list_detail", args=[exchange_list.pk]))
    assert (
        f"{reverse('exchange:matches')}?exchange_list={exchange_list.pk}" in page.content.decode()
    )


def test_finding_again_runs_in_the_background_after_the_request(
    exchange_client, exchange_staff, suggestion, django_capture_on_commit_callbacks
):
    ours, theirs = suggestion.want.exchange_list, suggestion.offer.exchange_list
    services.add_item(exchange_staff, ours, {"title": "Lu Xun quan ji", "isbn": "9787020050857"})
    services.add_item(exchange_staff, theirs, {"title": "鲁迅全集", "isbn": "9787020050857"})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = exchange_client.post(reverse("exchange:matches_find"))
    assert response["Location"] == reverse("exchange:matches")
    assert MatchSuggestion.objects.count() == 1  # nothing ran inside the request
    for callback in queued:
        callback()  # the task, run at once by the tests' task backend
    assert MatchSuggestion.objects.count() == 2
