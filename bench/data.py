"""Bench data: institutions and agreements in bulk, when the demo_data command cannot
build them at scale (it is used instead as soon as it takes --institutions/--agreements).

Deterministic (a fixed seed), shaped like a large library's directory: names in the
partner's own script, an ISIL for most, tags, agreements mostly with our library and one
partner, in every status, with expiry dates spread over six years around today.
"""

import datetime as dt
import random
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command, get_commands
from django.db import transaction
from django.utils import timezone

from bibliobridge.agreements.enums import AgreementStatus, AgreementType, PartyRole
from bibliobridge.agreements.models import Agreement, AgreementParty
from bibliobridge.core.enums import Action
from bibliobridge.core.models import ActivityLog, User
from bibliobridge.partners.enums import IdentifierScheme, InstitutionKind
from bibliobridge.partners.models import Identifier, Institution, InstitutionName, Tag
from bibliobridge.partners.search import fold

BATCH = 2000

# (country, time zone, language, currency, original-script stem, English stem, Chinese stem)
COUNTRIES = [
    ("JP", "Asia/Tokyo", "ja", "JPY", "大学附属図書館", "University Library", "大学图书馆"),
    ("KR", "Asia/Seoul", "ko", "KRW", "대학교 도서관", "University Library", "大学图书馆"),
    (
        "DE",
        "Europe/Berlin",
        "de",
        "EUR",
        "Universitätsbibliothek",
        "University Library",
        "大学图书馆",
    ),
    (
        "FR",
        "Europe/Paris",
        "fr",
        "EUR",
        "Bibliothèque universitaire",
        "University Library",
        "大学图书馆",
    ),
    ("RU", "Europe/Moscow", "ru", "RUB", "Научная библиотека", "Research Library", "科学图书馆"),
    ("US", "America/New_York", "en", "USD", "Public Library", "Public Library", "公共图书馆"),
    ("GB", "Europe/London", "en", "GBP", "College Library", "College Library", "学院图书馆"),
    ("EG", "Africa/Cairo", "ar", "EGP", "مكتبة الجامعة", "University Library", "大学图书馆"),
    ("BR", "America/Sao_Paulo", "pt", "BRL", "Biblioteca Central", "Central Library", "中央图书馆"),
    ("TW", "Asia/Taipei", "zh", "TWD", "大學圖書館", "University Library", "大学图书馆"),
    ("IN", "Asia/Kolkata", "hi", "INR", "विश्वविद्यालय पुस्तकालय", "University Library", "大学图书馆"),
    ("IT", "Europe/Rome", "it", "EUR", "Biblioteca Nazionale", "National Library", "国家图书馆"),
]
CITIES = [
    "Tokyo",
    "Seoul",
    "Berlin",
    "Paris",
    "Moscow",
    "Boston",
    "Oxford",
    "Cairo",
    "Recife",
    "Taipei",
]
TAGS = ["Asia-Pacific", "Europe", "exchange", "ILL", "BRICS", "alliance", "gift", "e-resources"]
STATUS_WEIGHTS = [
    (AgreementStatus.DRAFT, 10),
    (AgreementStatus.NEGOTIATING, 10),
    (AgreementStatus.SIGNED, 10),
    (AgreementStatus.IN_EFFECT, 45),
    (AgreementStatus.EXPIRED, 20),
    (AgreementStatus.TERMINATED, 5),
]


def demo_command_scales() -> bool:
    """True when demo_data takes --institutions and --agreements."""
    if "demo_data" not in get_commands():
        return False
    from django.core.management import load_command_class

    command = load_command_class(get_commands()["demo_data"], "demo_data")
    options = {action.dest for action in command.create_parser("manage.py", "demo_data")._actions}
    return {"institutions", "agreements"} <= options


def build(institutions: int, agreements: int, officer: User) -> str:
    """Fill the empty database; returns how it was built (for the results)."""
    if demo_command_scales():
        call_command("demo_data", institutions=institutions, agreements=agreements, verbosity=0)
        return f"demo_data --institutions {institutions} --agreements {agreements}"
    _bulk(institutions, agreements, officer)
    return f"bench/data.py bulk_create: {institutions} institutions, {agreements} agreements"


@transaction.atomic
def _bulk(n_institutions: int, n_agreements: int, officer: User) -> None:
    rng = random.Random(20250101)
    now = timezone.now()
    today = timezone.localdate()
    home = Institution.objects.create(
        kind=InstitutionKind.NATIONAL_LIBRARY, name="国家图书馆", name_zh="中国国家图书馆",
        name_en="National Library of China", country="CN", time_zone="Asia/Shanghai",
        languages=["zh"], currencies=["CNY"], is_home=True, search_text=fold("国家图书馆 National Library of China"),
    )  # fmt: skip
    tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS])

    rows: list[Institution] = []
    for i in range(n_institutions):
        country, zone, language, currency, native, english, chinese = COUNTRIES[i % len(COUNTRIES)]
        city = CITIES[rng.randrange(len(CITIES))]
        name, name_en, name_zh = f"{native} {i}", f"{city} {english} {i}", f"{chinese}{i}"
        rows.append(
            Institution(
                kind=rng.choice(InstitutionKind.values),
                name=name,
                name_en=name_en,
                name_zh=name_zh,
                country=country,
                city=city,
                time_zone=zone,
                languages=[language, "en"],
                currencies=[currency],
                created_at=now,
                search_text=fold(" | ".join([name, name_zh, name_en, city, f"{country}-B{i:06d}"])),
            )  # fmt: skip
        )
    partners = Institution.objects.bulk_create(rows, batch_size=BATCH)

    identifiers, names, tag_links = [], [], []
    through = Institution.tags.through
    for i, institution in enumerate(partners):
        if i % 10 != 0:  # nine in ten have an ISIL
            identifiers.append(
                Identifier(
                    institution=institution,
                    scheme=IdentifierScheme.ISIL,
                    value=f"{institution.country}-B{i:06d}",
                )
            )  # noqa: E501
        if i % 3 == 0:
            identifiers.append(
                Identifier(
                    institution=institution, scheme=IdentifierScheme.LOCAL, value=f"L{i:06d}"
                )
            )  # noqa: E501
        if i % 4 == 0:
            names.append(
                InstitutionName(
                    institution=institution, value=f"Former name {i}", language="en", kind="former"
                )
            )  # noqa: E501
        for tag in rng.sample(tags, rng.randrange(3)):
            tag_links.append(through(institution_id=institution.pk, tag_id=tag.pk))
    Identifier.objects.bulk_create(identifiers, batch_size=BATCH)
    InstitutionName.objects.bulk_create(names, batch_size=BATCH)
    through.objects.bulk_create(tag_links, batch_size=BATCH)

    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    agreements: list[Agreement] = []
    for i in range(n_agreements):
        kind = rng.choice(AgreementType.values)
        effective = today - dt.timedelta(days=rng.randrange(-365, 5 * 365))
        expiry = effective + dt.timedelta(days=rng.choice([365, 730, 1095, 1825]))
        agreements.append(
            Agreement(
                type=kind,
                title=f"{AgreementType(kind).label} {i}",
                status=rng.choice(statuses),
                owner=officer,
                effective_date=effective,
                expiry_date=expiry,
                notice_days=rng.choice([None, 30, 90, 180]),
                created_at=now,
                updated_at=now,
                status_changed_at=now,
            )  # fmt: skip
        )
    for agreement in agreements:  # bulk_create skips save(), which keeps notice_date
        agreement.notice_date = agreement.notice_deadline
    agreements = Agreement.objects.bulk_create(agreements, batch_size=BATCH)
    parties: list[AgreementParty] = []
    for agreement in agreements:
        partner = partners[rng.randrange(len(partners))]
        parties.append(
            AgreementParty(agreement=agreement, institution=home, role=PartyRole.OUR_LIBRARY)
        )
        parties.append(
            AgreementParty(agreement=agreement, institution=partner, role=PartyRole.PARTNER)
        )
    AgreementParty.objects.bulk_create(parties, batch_size=BATCH)

    # An audit trail: the creation of every agreement, as the services would have logged it.
    content_type = ContentType.objects.get_for_model(Agreement)
    log: list[Any] = [
        ActivityLog(
            created_at=now - dt.timedelta(minutes=n),
            actor=officer,
            actor_name=officer.username,
            action=Action.CREATED,
            content_type=content_type,
            object_id=str(a.pk),
            object_repr=a.title,
        )  # fmt: skip
        for n, a in enumerate(agreements)
    ]
    ActivityLog.objects.bulk_create(log, batch_size=BATCH)
