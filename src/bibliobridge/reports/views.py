"""Read-only pages: the start page. Reports read other apps' queries, never write."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bibliobridge.agreements import queries as agreement_queries
from bibliobridge.core import vocab
from bibliobridge.core.queries import recent_activity
from bibliobridge.partners import queries as partner_queries

HOME_DEADLINES = 15


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The cooperation officer's start page; each panel only for those who may see it."""
    user = request.user
    context: dict = {"today": timezone.localdate()}
    if user.has_perm("agreements.view_agreement"):
        today = timezone.localdate()
        rows = agreement_queries.upcoming_deadline_rows(today, within_days=90)
        # The panel shows the soonest; the calendar has them all.
        context["deadlines"] = agreement_queries.deadlines_for(rows[:HOME_DEADLINES], today)
        context["deadline_total"] = rows.count()
    if user.has_perm("partners.view_institution"):
        by_country = partner_queries.partners_by_country()
        context["partner_total"] = sum(n for _code, n in by_country)
        context["country_total"] = len(by_country)
        context["by_country"] = [(code, vocab.country_name(code), n) for code, n in by_country[:12]]
    if user.has_perm("core.view_activitylog"):
        context["activity"] = recent_activity()
    return render(request, "reports/home.html", context)
