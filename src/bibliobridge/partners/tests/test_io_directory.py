import copy
import datetime as dt
import json
from decimal import Decimal

import pytest

from bibliobridge.partners import services
from bibliobridge.partners.io.directory import EntryError, entry_for, import_entry
from bibliobridge.partners.models import Institution

ENTRY = {
    "format": "bibliobridge-directory-entry",
    "version": "1.0",
    "kind": "university_library",
    "names": [
        {"value": "北京大学图书馆", "language": "zh", "type": "official"},
        {"value": "北京大学图书馆", "language": "zh-Hans", "type": "display"},
        {"value": "Peking University Library", "language": "en", "type": "display"},
        {"value": "PKU Library", "language": "en", "type": "acronym"},
    ],
    "identifiers": [
        {"scheme": "isil", "value": "CN-100871"},
        {"scheme": "ror", "value": "02v51f717"},
    ],
    "country": "CN",
    "region": "北京市",
    "city": "北京",
    "time_zone": "Asia/Shanghai",
    "languages": ["zh", "en"],
    "currencies": ["CNY"],
    "website": "https://www.lib.pku.edu.cn/",
    "addresses": [
        {
            "type": "postal",
            "native": "北京市海淀区颐和园路5号",
            "romanised": "5 Yiheyuan Road, Haidian, Beijing",
            "country": "CN",
        },
    ],  # fmt: skip
    "contacts": [
        {
            "name": "王芳",
            "name_romanised": "Wang Fang",
            "role": "ill",
            "title": "",
            "email": "ill@lib.pku.edu.cn",
            "phone": "+86 10 6275 0000",
            "languages": ["zh", "en"],
        },
    ],  # fmt: skip
    "endpoints": [
        {"service": "iso18626", "url": "https://ill.lib.pku.edu.cn/iso18626", "version": "2021-2"},
        {"service": "sru", "url": "https://sru.lib.pku.edu.cn/sru", "version": ""},
    ],
    "ill_policy": {
        "lends_returnables": False,
        "supplies_copies": True,
        "countries_served": [],
        "payment_methods": ["ifla_voucher", "invoice"],
        "max_cost": {"amount": "30.00", "currency": "USD"},
        "shipping": "Scans only, by secure link.",
    },
    "closures": [{"start": "2026-02-14", "end": "2026-02-22", "reason": "春节"}],
}


def test_entry_round_trip(officer):
    institution = import_entry(officer, copy.deepcopy(ENTRY))
    assert (institution.name, institution.name_zh, institution.name_en) == (
        "北京大学图书馆", "北京大学图书馆", "Peking University Library")  # fmt: skip
    assert institution.ill_policy.max_cost == Decimal("30.00")
    assert list(institution.closures.values_list("start", "end")) == [
        (dt.date(2026, 2, 14), dt.date(2026, 2, 22))
    ]
    entry = json.loads(json.dumps(entry_for(Institution.objects.get(pk=institution.pk))))
    assert entry == ENTRY

    # Importing it again changes nothing and creates no duplicate.
    again = import_entry(officer, entry)
    assert again.pk == institution.pk
    assert Institution.objects.count() == 1
    assert entry_for(Institution.objects.get(pk=institution.pk)) == ENTRY


def test_entry_updates_the_institution_with_the_same_ror(officer):
    existing = services.create_institution(
        officer, {"kind": "other", "name": "PKU", "country": "CN", "time_zone": "Asia/Shanghai"},
        identifiers=[("ror", "02v51f717")],
    )  # fmt: skip
    entry = copy.deepcopy(ENTRY)
    entry["endpoints"] = entry["endpoints"][:1]
    institution = import_entry(officer, entry)
    assert institution.pk == existing.pk
    assert institution.kind == "university_library"
    assert sorted(institution.identifiers.values_list("value", flat=True)) == [
        "02v51f717",
        "CN-100871",
    ]
    assert institution.endpoints.count() == 1


def test_bad_entry_names_the_json_path(officer):
    entry = copy.deepcopy(ENTRY)
    entry["identifiers"].append({"scheme": "ror", "value": "052gg0111"})
    entry["country"] = "QQ"
    entry["contacts"][0]["email"] = "not an address"
    entry["endpoints"][0]["version"] = "3.0"
    entry["ill_policy"]["max_cost"]["currency"] = "EURO"
    with pytest.raises(EntryError) as error:
        import_entry(officer, entry)
    assert [path for path, _message in error.value.problems] == [
        "identifiers[2].value",
        "country",
        "contacts[0].email",
        "endpoints[0].version",
        "ill_policy.max_cost.currency",
    ]
    assert error.value.problems[0][1] == (
        "The check digits of ROR ID “052gg0111” are wrong; please check for a typing error."
    )
    assert Institution.objects.count() == 0


def test_entry_with_an_identifier_of_another_institution(officer):
    services.create_institution(
        officer, {"kind": "other", "name": "Someone else", "country": "CN", "time_zone": "Asia/Shanghai"},
        identifiers=[("calis", "211001")],
    )  # fmt: skip
    entry = copy.deepcopy(ENTRY)
    entry["identifiers"].append({"scheme": "calis", "value": "211001"})
    with pytest.raises(EntryError) as error:
        import_entry(officer, entry)
    assert error.value.problems == [
        ("identifiers[2].value", "CALIS code 211001 already belongs to Someone else.")
    ]


def test_not_an_entry(officer):
    with pytest.raises(EntryError) as error:
        import_entry(officer, {"format": "something", "version": "2.0"})
    assert [path for path, _m in error.value.problems] == [
        "format",
        "version",
        "kind",
        "names",
        "country",
    ]
