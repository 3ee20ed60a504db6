import datetime as dt
from typing import Any

import factory

from bibliobridge.agreements.enums import AgreementStatus, AgreementType, PartyRole
from bibliobridge.agreements.models import Agreement, AgreementParty
from bibliobridge.partners.enums import InstitutionKind
from bibliobridge.partners.models import Institution
from bibliobridge.partners.services import refresh_search_text


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        skip_postgeneration_save = True

    kind = InstitutionKind.UNIVERSITY_LIBRARY
    # Any: HomeInstitutionFactory replaces the sequences with fixed names.
    name: Any = factory.Sequence(lambda n: f"Universitätsbibliothek {n}")
    name_en: Any = factory.Sequence(lambda n: f"University Library {n}")
    name_zh: Any = factory.Sequence(lambda n: f"大学图书馆{n}")
    country = "DE"
    city = "Berlin"
    time_zone = "Europe/Berlin"

    @factory.post_generation
    def search(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            refresh_search_text(obj)


class HomeInstitutionFactory(InstitutionFactory):
    name = "北京大学图书馆"
    name_en = "Peking University Library"
    name_zh = "北京大学图书馆"
    country = "CN"
    city = "Beijing"
    time_zone = "Asia/Shanghai"
    is_home = True


class AgreementFactory(factory.django.DjangoModelFactory):
    """An agreement with a partner party (and a second, home party with two_parties=True)."""

    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    type = AgreementType.ILL_RECIPROCAL
    title = factory.Sequence(lambda n: f"Reciprocal ILL agreement {n}")
    status = AgreementStatus.DRAFT
    effective_date = dt.date(2026, 1, 1)
    expiry_date = dt.date(2028, 12, 31)

    @factory.post_generation
    def parties(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if not create:
            return
        for institution in extracted or [InstitutionFactory()]:
            AgreementParty.objects.create(
                agreement=obj, institution=institution, role=PartyRole.PARTNER
            )
