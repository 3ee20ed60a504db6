"""Copyright rules for the copies we borrow, by jurisdiction (ILL_COPYRIGHT_PROFILE).

- ``cn``: the reader declares the copy is for personal study or research (著作权法 第二
  十四条 allows copies for those purposes); the declaration is kept with the request.
- ``us``: the CONTU guidelines' "rule of five" — of articles published in a journal in the
  five years before the request, five copies a calendar year are within the guidelines
  (the request says copyrightCompliance US-CCG); the sixth and later say US-CCL (royalties
  paid under copyright law) and are flagged for staff.
- ``none``: nothing asked, nothing counted.

Each copy borrowed leaves a CopyrightRecord, kept ILL_COPYRIGHT_YEARS, then purged.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bibliobridge.catalog.text import fold

from .enums import Role, Service
from .models import CopyrightRecord, IllRequest

RULE_OF_FIVE = 5
RECENT_YEARS = 5


@dataclass(frozen=True)
class Profile:
    code: str
    label: str | Promise
    declaration: str | Promise  # what the reader must accept; empty: none asked
    rule_of_five: bool
    compliance: str  # ISO 18626 copyrightCompliance within the rules


PROFILES = {
    "cn": Profile(
        "cn",
        _("China: the reader declares personal study or research use"),
        _(
            "I declare that I will use this copy only for my own personal study or research, "
            "and will not pass it on, publish it or copy it again."
        ),
        False,
        "Other",
    ),
    "us": Profile("us", _("United States: CONTU guidelines, rule of five"), "", True, "US-CCG"),
    "none": Profile("none", _("None"), "", False, ""),
}


def profile() -> Profile:
    return PROFILES.get(settings.ILL_COPYRIGHT_PROFILE, PROFILES["none"])


def applies(request: IllRequest) -> bool:
    return request.role == Role.REQUESTER and request.service == Service.COPY


def journal_of(request: IllRequest) -> str:
    return request.issn or fold(request.title)[:300]


def published_year(request: IllRequest) -> int | None:
    digits = "".join(c if c.isdigit() else " " for c in request.date).split()
    years = [int(d) for d in digits if len(d) == 4]
    return years[0] if years else None


def compliance(request: IllRequest) -> str:
    """copyrightCompliance for the request's ISO 18626 message ("" when none applies)."""
    if not applies(request):
        return ""
    record = request.copyright_records.order_by("-created_at").first()
    chosen = profile()
    if chosen.rule_of_five and record is not None and record.number_this_year > RULE_OF_FIVE:
        return "US-CCL"
    return chosen.compliance


def beyond_rule_of_five(record: CopyrightRecord) -> bool:
    return record.profile == "us" and record.number_this_year > RULE_OF_FIVE


@transaction.atomic
def record(request: IllRequest, declared: bool) -> CopyrightRecord | None:
    """Keep what the profile asks for a copy we borrow; returns the record (None: no copy).

    The number this year counts, under the rule of five, the copies of the same journal's
    recent articles (published within RECENT_YEARS before this year) asked for this year.
    """
    if not applies(request):
        return None
    chosen = profile()
    now = timezone.now()
    journal, published = journal_of(request), published_year(request)
    number = 1
    if chosen.rule_of_five and published is not None and published >= now.year - RECENT_YEARS:
        number += CopyrightRecord.objects.filter(
            profile=chosen.code, journal=journal, created_at__year=now.year,
            published__gte=now.year - RECENT_YEARS,
        ).count()  # fmt: skip
    return CopyrightRecord.objects.create(
        request=request,
        profile=chosen.code,
        journal=journal,
        published=published,
        declaration=str(chosen.declaration) if declared else "",
        reader=request.patron_name,
        number_this_year=number,
    )


def purge_old(now: dt.datetime | None = None) -> int:
    """Delete records older than ILL_COPYRIGHT_YEARS; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=365 * settings.ILL_COPYRIGHT_YEARS)
    deleted, _by_model = CopyrightRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
