import io
import json
import zipfile

import pytest

from bibliobridge.partners import services
from bibliobridge.partners.io.ror import RorDumpError, import_ror, load_dump
from bibliobridge.partners.models import Institution


def record(
    ror, display, country, city, lat, lng, types=("education",), labels=(), status="active", **extra
):
    names = [{"value": display, "types": ["ror_display", "label"], "lang": "en"}]
    names += [{"value": value, "types": ["label"], "lang": lang} for value, lang in labels]
    names += [{"value": v, "types": [t], "lang": None} for t, v in extra.pop("others", [])]
    return {
        "id": f"https://ror.org/{ror}",
        "names": names,
        "locations": [{"geonames_id": 1, "geonames_details": {"country_code": country, "name": city,
                                                              "lat": lat, "lng": lng}}],
        "types": list(types),
        "links": [{"type": "website", "value": f"https://www.{city.lower()}.example"}],
        "external_ids": [],
        "relationships": extra.pop("relationships", []),
        "status": status,
        **extra,
    }  # fmt: skip


DUMP = [
    record(
        "03vek6s52",
        "Harvard University",
        "US",
        "Cambridge",
        42.377,
        -71.1167,
        others=[("acronym", "HU")],
    ),
    record("052gg0110", "University of Oxford", "GB", "Oxford", 51.752, -1.2577),
    record(
        "02v51f717",
        "Peking University",
        "CN",
        "Beijing",
        39.99,
        116.30,
        labels=[("北京大学", "zh")],
        others=[("acronym", "PKU")],
    ),  # fmt: skip
    record(
        "013meh722",
        "University of Cambridge",
        "GB",
        "Cambridge",
        52.2,
        0.117,
        types=("education", "funder"),
    ),
    # A unit, whose parent comes later in the file.
    record("0ucl00000", "Not a ROR ID", "GB", "London", 51.5, -0.12),
    record(
        "01ggx4157",
        "CERN",
        "CH",
        "Geneva",
        46.23,
        6.05,
        types=("facility",),
        relationships=[{"type": "parent", "id": "https://ror.org/052gg0110", "label": "x"}],
    ),  # fmt: skip
    record("00f54p054", "Stanford University", "US", "Stanford", 37.4, -122.1, status="inactive"),
]


def test_ror_import(officer):
    result = import_ror(officer, DUMP)
    assert (result.created, result.updated, result.skipped, result.linked) == (5, 0, 1, 1)
    assert [ror for ror, _message in result.errors] == ["https://ror.org/0ucl00000"]
    pku = Institution.objects.get(identifiers__value="02v51f717")
    assert (pku.name, pku.name_zh, pku.name_en, pku.kind, pku.time_zone, pku.city) == (
        "北京大学", "北京大学", "Peking University", "university_library", "Asia/Shanghai", "Beijing")  # fmt: skip
    assert list(pku.names.values_list("value", "kind")) == [("PKU", "acronym")]
    harvard = Institution.objects.get(identifiers__value="03vek6s52")
    assert (harvard.name, harvard.country, harvard.time_zone, harvard.website) == (
        "Harvard University", "US", "America/New_York", "https://www.cambridge.example")  # fmt: skip
    cern = Institution.objects.get(identifiers__value="01ggx4157")
    assert (cern.kind, cern.time_zone, cern.parent.name_en) == (
        "research_library",
        "Europe/Zurich",
        "University of Oxford",
    )

    # A second run updates rather than duplicates.
    changed = [dict(r) for r in DUMP]
    changed[1] = record("052gg0110", "University of Oxford", "GB", "Oxford", 51.752, -1.2577,
                        labels=[("Universitas Oxoniensis", "la")])  # fmt: skip
    again = import_ror(officer, changed)
    assert (again.created, again.updated, again.unchanged, again.skipped) == (0, 1, 4, 1)
    assert Institution.objects.count() == 5
    oxford = Institution.objects.get(identifiers__value="052gg0110")
    assert list(oxford.names.values_list("value", "language", "kind")) == [
        ("Universitas Oxoniensis", "la", "translated")
    ]


def test_ror_filters(officer):
    result = import_ror(officer, DUMP, countries=["gb", "CN"], types=["education"])
    assert sorted(Institution.objects.values_list("name_en", flat=True)) == [
        "Peking University", "University of Cambridge", "University of Oxford"]  # fmt: skip
    assert (result.created, result.skipped, len(result.errors)) == (3, 3, 1)


def test_ror_keeps_what_staff_entered(officer):
    ours = services.create_institution(
        officer, {"kind": "national_library", "name": "Bodleian Libraries", "name_zh": "牛津大学博德利图书馆",
                  "country": "GB", "time_zone": "Europe/London"}, identifiers=[("ror", "052gg0110")],
    )  # fmt: skip
    import_ror(officer, DUMP[1:2])
    ours.refresh_from_db()
    assert (ours.kind, ours.name, ours.name_zh, ours.name_en) == (
        "national_library", "Bodleian Libraries", "牛津大学博德利图书馆", "University of Oxford")  # fmt: skip


def test_load_dump_from_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("v1.50-2024-07-29-ror-data.json", json.dumps([{"name": "v1"}]))
        archive.writestr("v1.50-2024-07-29-ror-data_schema_v2.json", json.dumps(DUMP))
    assert load_dump(out.getvalue()) == DUMP


@pytest.mark.parametrize(
    "data",
    [b"not json", b'{"a": 1}', json.dumps([{"name": "v1 record"}]).encode(), b"PK\x03\x04broken"],
)
def test_load_dump_refuses_other_files(data):
    with pytest.raises(RorDumpError):
        load_dump(data)
