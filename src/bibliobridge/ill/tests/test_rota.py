"""Ranking the rota: between otherwise equal lenders, the quicker one is asked first."""

import datetime as dt

import pytest
from django.utils import timezone

from bibliobridge.ill import rota, services
from bibliobridge.ill.enums import Role, Service
from bibliobridge.ill.models import RotaEntry

from .test_views import ISBN, holding


def supplied_before(lender, days: float, ago: int = 30) -> None:
    """A past loan the lender supplied ``days`` after we asked it, ``ago`` days ago."""
    asked = timezone.now() - dt.timedelta(days=ago)
    request = services.create_request(None, Role.REQUESTER, service=Service.LOAN, title="Old",
                                      partner=lender, supplied_at=asked + dt.timedelta(days=days))  # fmt: skip
    RotaEntry.objects.create(request=request, position=1, institution=lender,
                             outcome=RotaEntry.Outcome.SUPPLIED, asked_at=asked)  # fmt: skip


@pytest.mark.parametrize("quick", [0, 1])
def test_the_quicker_lender_is_asked_first(network, tmp_path, quick):
    for lender in network.lenders:
        holding(lender, tmp_path)
    quicker, slower = network.lenders[quick], network.lenders[1 - quick]
    for days in (2, 3, 10):  # median 3
        supplied_before(quicker, days)
    for days in (9, 12, 1):  # median 9
        supplied_before(slower, days)
    request = services.create_request(None, Role.REQUESTER, service=Service.LOAN,
                                      title="Der Zauberberg", isbn=ISBN)  # fmt: skip
    built = rota.build(request)
    assert [c.institution for c in built.candidates] == [quicker, slower]
    assert "supplied in 3.0 days (the median of 3 in the past year)" in built.candidates[0].reason


def test_speed_counts_only_the_past_year_and_an_unknown_lender_ranks_as_typical(network, tmp_path):
    for lender in network.lenders:
        holding(lender, tmp_path)
    known, unknown = network.lenders
    supplied_before(known, 30, ago=400)  # too long ago to count
    request = services.create_request(None, Role.REQUESTER, service=Service.LOAN,
                                      title="Der Zauberberg", isbn=ISBN)  # fmt: skip
    built = rota.build(request)
    for candidate in built.candidates:
        assert "nothing supplied in the past year" in candidate.reason
    # Equal speed (none known): the lender we borrowed less from comes first.
    assert [c.institution for c in built.candidates] == [unknown, known]


def test_a_changed_policy_or_endpoint_shows_in_the_next_rota(network, tmp_path):
    """What the rota reads of every partner is kept a minute; a change shows at once."""
    from bibliobridge.partners import services as partners
    from bibliobridge.partners.enums import EndpointKind

    for lender in network.lenders:
        holding(lender, tmp_path)
    request = services.create_request(None, Role.REQUESTER, service=Service.LOAN,
                                      title="Der Zauberberg", isbn=ISBN)  # fmt: skip
    first, second = network.lenders
    assert [c.institution for c in rota.build(request).candidates] == [first, second]

    partners.save_ill_policy(None, first, {"lends_returnables": False})
    built = rota.build(request)
    assert [c.institution for c in built.candidates] == [second]
    assert built.left_out == [(first, "does not lend returnables")]

    partners.delete_part(None, second.endpoints.get(kind=EndpointKind.ISO18626))
    built = rota.build(request)
    assert built.candidates == []
    assert (second, "no ISO 18626 service in the directory") in built.left_out
