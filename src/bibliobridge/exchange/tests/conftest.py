import pymarc
import pytest

from bibliobridge.agreements.enums import AgreementType
from bibliobridge.agreements.tests.factories import AgreementFactory
from bibliobridge.catalog import imports as catalog_imports
from bibliobridge.exchange import services
from bibliobridge.exchange.enums import ListKind
from bibliobridge.partners.enums import ContactRole
from bibliobridge.partners.models import Contact
from bibliobridge.partners.tests.factories import InstitutionFactory

# 红楼梦 (People's Literature Publishing House), held in the catalogue by a Japanese library.
HELD_ISBN = "9787020002207"


@pytest.fixture
def partner(db):
    return InstitutionFactory(
        name="国立国会図書館", name_en="National Diet Library", name_zh="日本国立国会图书馆",
        country="JP", time_zone="Asia/Tokyo",
    )  # fmt: skip


@pytest.fixture
def exchange_contact(partner):
    return Contact.objects.create(
        institution=partner, name="Sato Hanako", role=ContactRole.EXCHANGE, email="sato@ndl.example"
    )


@pytest.fixture
def agreement(partner):
    return AgreementFactory(
        type=AgreementType.PUBLICATION_EXCHANGE, title="NDL exchange", parties=[partner]
    )


@pytest.fixture
def offer_list(exchange_staff):
    return services.create_list(
        exchange_staff, {"name": "Duplicates 2026", "kind": ListKind.OFFER, "partner": None}
    )


@pytest.fixture
def want_list(exchange_staff, partner):
    return services.create_list(
        exchange_staff, {"name": "NDL desiderata", "kind": ListKind.WANT, "partner": partner}
    )


@pytest.fixture
def held_cluster(partner, tmp_path):
    """A union-catalogue cluster carrying HELD_ISBN, loaded as a partner's MARC file."""
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="ndl-1"))
    record.add_field(
        pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", HELD_ISBN)])
    )
    record.add_field(
        pymarc.Field(tag="245", indicators=["1", "0"], subfields=[pymarc.Subfield("a", "红楼梦")])
    )
    path = tmp_path / "ndl.mrc"
    path.write_bytes(record.as_marc())
    catalog_imports.run_import(catalog_imports.start_run(partner, "command", path.name), [path])
    from bibliobridge.catalog.models import Record

    return Record.objects.get(local_id="ndl-1").cluster
