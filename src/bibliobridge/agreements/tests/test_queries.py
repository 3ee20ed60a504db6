import datetime as dt

import pytest
from django.urls import reverse

from bibliobridge.agreements.queries import (
    agreements_of,
    deadline_counts_by_month,
    expiry_calendar,
    upcoming_deadlines,
)

from .factories import AgreementFactory, InstitutionFactory

TODAY = dt.date(2026, 5, 10)


@pytest.mark.django_db
def test_upcoming_deadlines():
    notice_only = AgreementFactory(
        title="Notice soon",
        status="in_effect",
        expiry_date=TODAY + dt.timedelta(days=200),
        notice_days=180,
    )
    both = AgreementFactory(
        title="Both soon",
        status="signed",
        expiry_date=TODAY + dt.timedelta(days=60),
        notice_days=30,
    )
    AgreementFactory(title="Too far", status="in_effect", expiry_date=TODAY + dt.timedelta(days=91))
    AgreementFactory(title="Draft", status="draft", expiry_date=TODAY + dt.timedelta(days=10))
    AgreementFactory(title="Past", status="in_effect", expiry_date=TODAY - dt.timedelta(days=1))
    found = [tuple(item) for item in upcoming_deadlines(TODAY, within_days=90)]
    assert found == [
        (notice_only, "notice", dt.date(2026, 5, 30), 20),
        (both, "notice", dt.date(2026, 6, 9), 30),
        (both, "expiry", dt.date(2026, 7, 9), 60),
    ]
    assert upcoming_deadlines(TODAY)[0].kind_label == "Notice deadline"


@pytest.mark.django_db
def test_expiry_calendar():
    agreement = AgreementFactory(
        status="in_effect", expiry_date=dt.date(2027, 3, 31), notice_days=31
    )
    AgreementFactory(status="in_effect", expiry_date=dt.date(2028, 5, 1))  # month 25: outside
    months = deadline_counts_by_month(TODAY)
    assert len(months) == 24
    assert (months[0].start, months[-1].start) == (dt.date(2026, 5, 1), dt.date(2028, 4, 1))
    assert [(m.start, m.count) for m in months if m.count] == [
        (dt.date(2027, 2, 1), 1),
        (dt.date(2027, 3, 1), 1),
    ]
    february = expiry_calendar(TODAY, dt.date(2027, 2, 1))
    assert [(d.kind, d.date, d.agreement) for d in february.deadlines] == [
        ("notice", dt.date(2027, 2, 28), agreement)
    ]
    assert expiry_calendar(TODAY, dt.date(2027, 3, 1)).deadlines[0].kind == "expiry"
    assert expiry_calendar(TODAY).deadlines == []


@pytest.mark.django_db
def test_agreements_of():
    partner = InstitutionFactory()
    mine = AgreementFactory(parties=[partner, InstitutionFactory()])
    AgreementFactory()
    assert list(agreements_of(partner)) == [mine]


@pytest.mark.django_db
def test_htmx_filter_returns_only_rows(viewer_client):
    AgreementFactory(title="Only this")
    response = viewer_client.get(
        reverse("agreements:list"), {"q": "only"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "Only this" in body
    assert "<html" not in body


@pytest.mark.django_db
def test_notice_date_follows_expiry_and_notice_period(officer):
    from bibliobridge.agreements import services

    agreement = AgreementFactory(status="signed", expiry_date=dt.date(2027, 3, 31), notice_days=31)
    assert agreement.notice_date == dt.date(2027, 2, 28)
    services.amend_agreement(officer, agreement, {"notice_days": 90}, "Longer notice")
    agreement.refresh_from_db()
    assert agreement.notice_date == dt.date(2026, 12, 31)
    agreement.expiry_date = None
    agreement.save(update_fields=["expiry_date"])
    agreement.refresh_from_db()
    assert agreement.notice_date is None


@pytest.mark.django_db
def test_an_institutions_first_agreements_are_the_same_however_they_are_found(monkeypatch):
    from bibliobridge.partners import queries as partner_queries

    ours = InstitutionFactory()
    other = InstitutionFactory()
    for n, (status, year) in enumerate(
        [("signed", 2030), ("draft", 2029), ("in_effect", 2027), ("draft", 2031), ("expired", 2026)]
    ):
        AgreementFactory(status=status, expiry_date=dt.date(year, 1, 1), parties=[ours])
        AgreementFactory(status=status, expiry_date=dt.date(year, 6, n + 1), parties=[other])
    sorted_parties = partner_queries.agreement_parties_of(ours, total=5, limit=3)
    monkeypatch.setattr(partner_queries, "WALK_AGREEMENTS_FROM", 1)  # as for our own library
    walked = partner_queries.agreement_parties_of(ours, total=5, limit=3)
    assert walked == sorted_parties
    assert [(p.agreement.status, p.agreement.expiry_date.year) for p in walked] == [
        ("draft", 2029), ("draft", 2031), ("expired", 2026),
    ]  # fmt: skip
    assert {p.institution for p in walked} == {ours}
