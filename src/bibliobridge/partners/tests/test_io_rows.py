import io

import openpyxl
import pytest

from bibliobridge.core.models import ActivityLog
from bibliobridge.partners import services
from bibliobridge.partners.io.export import export_csv, export_xlsx, filter_institutions
from bibliobridge.partners.io.rows import ImportBlocked, MissingColumns, import_rows, plan_file
from bibliobridge.partners.models import Contact, Institution

HEADER = "kind,name,name_zh,name_en,country,city,time_zone,languages,currencies,isil,ror,tags,contact_name,contact_email"


def csv_file(*lines, header=HEADER):
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


@pytest.fixture
def harvard(officer):
    return services.create_institution(
        officer,
        {"kind": "university_library", "name": "Harvard Library", "name_en": "Harvard Library",
         "country": "US", "time_zone": "America/New_York"},
        identifiers=[("isil", "US-MH"), ("ror", "03vek6s52")],
    )  # fmt: skip


def errors(plan):
    return [(p.row, p.column, p.message) for p in plan.errors]


def test_good_file_creates_institutions(officer):
    plan = plan_file(
        csv_file(
            "university_library,北京大学图书馆,北京大学图书馆,Peking University Library,CN,北京,,zh; en,CNY,CN-100871,02v51f717,"
            "亚洲;reciprocal,王老师,wang@lib.pku.edu.cn",
            "national_library,Library of Congress,美国国会图书馆,Library of Congress,US,Washington,America/New_York,en,USD,US-DLC,,,,",
        )
    )
    assert errors(plan) == []
    assert [r.action for r in plan.rows] == ["create", "create"]
    result = import_rows(officer, plan)
    assert len(result.created) == 2
    pku = Institution.objects.get(identifiers__value="CN-100871")
    assert (pku.name, pku.name_en, pku.country, pku.time_zone) == (
        "北京大学图书馆", "Peking University Library", "CN", "Asia/Shanghai")  # fmt: skip
    assert pku.languages == ["zh", "en"]
    assert pku.currencies == ["CNY"]
    assert sorted(pku.identifiers.values_list("scheme", "value")) == [
        ("isil", "CN-100871"),
        ("ror", "02v51f717"),
    ]
    assert sorted(pku.tags.values_list("name", flat=True)) == ["reciprocal", "亚洲"]
    assert list(pku.contacts.values_list("name", "email", "role")) == [
        ("王老师", "wang@lib.pku.edu.cn", "cooperation")
    ]
    assert ActivityLog.objects.filter(object_id=str(pku.pk)).exists()


def test_chinese_headers_and_country_names(officer):
    plan = plan_file("名称,国家,类型,时区,语言\n京都大学附属図書館,日本,大学图书馆,,ja\n".encode())
    assert errors(plan) == []
    assert plan.rows[0].fields["country"] == "JP"
    assert plan.rows[0].fields["kind"] == "university_library"
    assert plan.rows[0].fields["time_zone"] == "Asia/Tokyo"


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_applied(officer, harvard):
    plan = plan_file(
        csv_file(
            "university_library,Good Library,,,DE,,,de,EUR,DE-1,,,,",  # row 2: fine
            "university_library,Bad ISIL,,,DE,,,de,EUR,DE-X-ABCDEFGHIJKLMN,,,,",  # 3
            "university_library,Bad ROR,,,GB,,,en,GBP,,052gg0111,,,",  # 4
            "university_library,Bad country,,,QQ,,,en,,,,,,",  # 5
            "university_library,Bad language,,,FR,,,fr; xx,EUR,,,,,",  # 6
            "university_library,Bad currency,,,FR,,,fr,EURO,,,,,",  # 7
            "university_library,Bad zone,,,FR,,Europe/Lutetia,fr,EUR,,,,,",  # 8
            "university_library,Duplicate,,,DE,,,de,EUR,DE-1,,,,",  # 9
            "university_library,Harvard,,,US,,,en,USD,US-MH,013meh722,,,",  # 10: updates Harvard
            "university_library,Harvard again,,,US,,,en,USD,,03vek6s52,,,",  # 11: Harvard a second time
            "university_library,Mixed,,,US,,,en,USD,CN-100871,03vek6s52,,,",  # 12: Harvard's ROR again
        )
    )
    assert errors(plan) == [
        (3, "isil", "An ISIL has at most 16 characters; “DE-X-ABCDEFGHIJKLMN” has 19."),
        (
            4,
            "ror",
            "The check digits of ROR ID “052gg0111” are wrong; please check for a typing error.",
        ),
        (5, "country", "“QQ” is not an ISO 3166 country code (two letters, such as CN or DE)."),
        (6, "languages", "“xx” is not an ISO 639 language code (such as zh, en or rus)."),
        (7, "currencies", "“EURO” is not an ISO 4217 currency code (such as CNY, USD or EUR)."),
        (
            8,
            "time_zone",
            "“Europe/Lutetia” is not an IANA time zone (such as Asia/Shanghai or Europe/Berlin).",
        ),
        (9, "isil", "ISIL DE-1 is also in row 2."),
        (11, "ror", "Row 10 already updates Harvard Library, the institution with ROR 03vek6s52."),
        (12, "ror", "ROR 03vek6s52 is also in row 11."),
    ]
    with pytest.raises(ImportBlocked):
        import_rows(officer, plan)
    assert Institution.objects.count() == 1


def test_identifier_of_another_institution(officer, harvard):
    other = services.create_institution(
        officer, {"kind": "other", "name": "Bodleian", "country": "GB", "time_zone": "Europe/London"},
        identifiers=[("ror", "052gg0110")],
    )  # fmt: skip
    plan = plan_file(csv_file("university_library,Which one,,,US,,,en,USD,US-MH,052gg0110,,,"))
    assert errors(plan) == [
        (2, "ror", "ROR 052gg0110 belongs to Bodleian, but ISIL US-MH to Harvard Library."),
    ]
    assert other.pk


def test_update_by_identifier(officer, harvard):
    plan = plan_file(csv_file("university_library,,哈佛大学图书馆,,US,Cambridge,,,,US-MH,,ivy,,"))
    assert errors(plan) == []
    assert [r.action for r in plan.rows] == ["update"]
    result = import_rows(officer, plan)
    assert result.updated == [harvard]
    harvard.refresh_from_db()
    assert (harvard.name, harvard.name_zh, harvard.city) == (
        "Harvard Library",
        "哈佛大学图书馆",
        "Cambridge",
    )
    assert list(harvard.tags.values_list("name", flat=True)) == ["ivy"]


def test_valid_only(officer):
    plan = plan_file(
        csv_file(
            "university_library,Good,,,DE,,,de,EUR,DE-1,,,,",
            "university_library,Bad,,,DE,,,de,EUR,XX-1,,,,",
        )
    )
    assert [(p.row, p.column) for p in plan.errors] == [(3, "isil")]
    result = import_rows(officer, plan, valid_only=True)
    assert (len(result.created), result.skipped) == (1, 1)
    assert list(Institution.objects.values_list("name", flat=True)) == ["Good"]


def test_missing_columns():
    with pytest.raises(MissingColumns):
        plan_file(b"foo,bar\n1,2\n")


def test_numeric_codes_in_xlsx_are_warned(officer):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "country", "calis", "local"])
    sheet.append(["Fudan University Library", "CN", 212001, 42])
    out = io.BytesIO()
    workbook.save(out)
    plan = plan_file(out.getvalue())
    assert errors(plan) == []
    assert [(p.row, p.column, p.level) for p in plan.problems] == [
        (2, "calis", "warning"),
        (2, "local", "warning"),
    ]
    assert plan.rows[0].identifiers == [("calis", "212001"), ("local", "42")]


def test_export_round_trip(officer, django_assert_max_num_queries):
    pku = services.create_institution(
        officer,
        {"kind": "university_library", "name": "北京大学图书馆", "name_zh": "北京大学图书馆",
         "name_en": "Peking University Library", "country": "CN", "city": "北京", "time_zone": "Asia/Shanghai",
         "languages": ["zh", "en"], "currencies": ["CNY"], "website": "https://www.lib.pku.edu.cn",
         "notes": "=SUM(A1) is not a formula"},
        identifiers=[("isil", "CN-100871"), ("ror", "02v51f717"), ("calis", "211001")],
        tags=["亚洲", "reciprocal"],
    )  # fmt: skip
    services.save_part(
        officer, Contact(institution=pku, name="王老师", email="wang@pku.edu.cn", role="ill")
    )
    services.create_institution(
        officer, {"kind": "national_library", "name": "Library of Congress", "country": "US",
                  "time_zone": "America/New_York"}, identifiers=[("isil", "US-DLC"), ("oclc", "DLC")],
    )  # fmt: skip
    with django_assert_max_num_queries(5):
        csv_bytes = export_csv()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    xlsx_bytes = export_xlsx()
    for data in (csv_bytes, xlsx_bytes):
        plan = plan_file(data)
        assert plan.problems == []
        assert [r.action for r in plan.rows] == ["update", "update"]
        last = ActivityLog.objects.order_by("pk").last().pk
        import_rows(officer, plan)
        # Nothing changed, so nothing was written.
        assert list(ActivityLog.objects.filter(pk__gt=last).values_list("changes", flat=True)) == []
    pku.refresh_from_db()
    assert pku.notes == "=SUM(A1) is not a formula"
    assert Institution.objects.count() == 2
    assert Contact.objects.count() == 1


def test_filters(officer, harvard):
    services.create_institution(
        officer, {"kind": "national_library", "name": "国家图书馆", "country": "CN", "time_zone": "Asia/Shanghai"},
        tags=["亚洲"],
    )  # fmt: skip
    names = lambda params: sorted(i.name for i in filter_institutions(params))  # noqa: E731
    assert names({"country": "cn"}) == ["国家图书馆"]
    assert names({"kind": "university_library"}) == ["Harvard Library"]
    assert names({"tag": "亚洲"}) == ["国家图书馆"]
    assert names({"q": "harvard"}) == ["Harvard Library"]
    assert names({}) == ["Harvard Library", "国家图书馆"]
