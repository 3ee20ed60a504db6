import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bibliobridge.agreements import services as agreement_services
from bibliobridge.partners.tests.factories import InstitutionFactory


def _agreement(officer, partner, home, expiry: dt.date, title: str):
    agreement = agreement_services.create_agreement(
        officer,
        {
            "type": "publication_exchange",
            "title": title,
            "owner": officer,
            "effective_date": expiry - dt.timedelta(days=700),
            "expiry_date": expiry,
            "notice_days": 60,
        },
        [{"institution": home, "role": "our_library"}, {"institution": partner, "role": "partner"}],
    )
    for action in ("negotiate", "sign", "bring_into_effect"):
        agreement_services.transition_agreement(officer, agreement, action)
    return agreement


@pytest.mark.django_db
def test_home_shows_deadlines_partners_by_country_and_activity(officer_client, officer):
    home = InstitutionFactory(is_home=True, country="CN", time_zone="Asia/Shanghai")
    partner = InstitutionFactory(country="JP", time_zone="Asia/Tokyo")
    InstitutionFactory(country="JP", time_zone="Asia/Tokyo")
    today = timezone.localdate()
    _agreement(officer, partner, home, today + dt.timedelta(days=20), "Exchange with Kyoto")
    _agreement(officer, partner, home, today + dt.timedelta(days=400), "Exchange far away")
    response = officer_client.get(reverse("home"))
    assert response.status_code == 200
    deadlines = [(d.agreement.title, d.kind, d.days_left) for d in response.context["deadlines"]]
    assert deadlines == [("Exchange with Kyoto", "expiry", 20)]
    assert response.context["by_country"] == [("JP", "Japan", 2)]
    assert response.context["partner_total"] == 2 and response.context["country_total"] == 1
    assert response.context["activity"][0].object_repr == "Exchange far away"
    html = response.content.decode()
    assert "Exchange with Kyoto" in html and "Partners by country" in html


@pytest.mark.django_db
def test_home_shows_a_viewer_no_activity_panel(viewer_client):
    response = viewer_client.get(reverse("home"))
    assert response.status_code == 200
    assert "activity" not in response.context and "deadlines" in response.context


@pytest.mark.django_db
def test_home_for_outsider_shows_no_panels(outsider_client):
    response = outsider_client.get(reverse("home"))
    assert response.status_code == 200
    assert not {"activity", "deadlines", "by_country"} & set(response.context.keys())


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 40])
def test_home_runs_a_constant_number_of_queries(
    officer_client, officer, django_assert_max_num_queries, count
):
    home = InstitutionFactory(is_home=True)
    today = timezone.localdate()
    for n in range(count):
        _agreement(
            officer, InstitutionFactory(), home, today + dt.timedelta(days=10 + n), f"Agreement {n}"
        )
    with django_assert_max_num_queries(14):
        officer_client.get(reverse("home"))
