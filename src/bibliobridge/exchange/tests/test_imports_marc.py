"""Lists from MARC files: records built here with pymarc, and real files of the shared data."""

import pymarc
import pytest

from bibliobridge.catalog.tests.shared import shared_path
from bibliobridge.exchange import imports
from bibliobridge.exchange.models import ListItem
from bibliobridge.partners.io.tabular import ImportFileError

pytestmark = pytest.mark.django_db


def record(leader="00000nam a2200000 a 4500", fields=()):
    rec = pymarc.Record(force_utf8=True)
    rec.leader = pymarc.Leader(leader)
    for tag, value in fields:
        if isinstance(value, str):
            rec.add_field(pymarc.Field(tag=tag, data=value))
        else:
            indicators, subfields = value
            rec.add_field(
                pymarc.Field(
                    tag=tag,
                    indicators=list(indicators),
                    subfields=[pymarc.Subfield(c, v) for c, v in subfields],
                )
            )
    return rec.as_marc()


HONGLOUMENG = record(
    fields=[
        ("001", "b1"),
        ("008", "820101s1982    cc            000 1 chi d"),
        ("020", ("  ", [("a", "7-02-000220-X")])),
        ("100", ("1 ", [("6", "880-01"), ("a", "Cao, Xueqin,")])),
        ("245", ("10", [("6", "880-02"), ("a", "Hong lou meng /"), ("c", "Cao Xueqin zhu.")])),
        ("250", ("  ", [("a", "Di 3 ban.")])),
        (
            "260",
            ("  ", [("a", "Beijing :"), ("b", "Ren min wen xue chu ban she,"), ("c", "1982.")]),
        ),
        ("880", ("1 ", [("6", "100-01"), ("a", "曹雪芹,")])),
        ("880", ("10", [("6", "245-02"), ("a", "红楼梦 /"), ("c", "曹雪芹著.")])),
    ]
)
BAD_ISBN = record(
    fields=[
        ("001", "b2"),
        ("008", "050101s2005    ru            000 1 rus d"),
        ("020", ("  ", [("a", "5-17-000000-1")])),
        ("245", ("10", [("a", "Prestuplenie i nakazanie")])),
    ]
)
HOLDINGS = record(leader="00000ny  a2200000   4500", fields=[("001", "h1"), ("004", "b1")])
DELETED = record(
    leader="00000dam a2200000 a 4500", fields=[("001", "b3"), ("245", ("10", [("a", "Gone")]))]
)


def test_a_marc_file_becomes_one_item_per_bibliographic_record(exchange_staff, want_list):
    data = HONGLOUMENG + HOLDINGS + BAD_ISBN + DELETED
    plan = imports.plan_file(data, want_list)
    assert plan.file_format == "marc"
    assert [row.number for row in plan.rows] == [1, 3]
    first = plan.rows[0].fields
    # The script of the book where the record gives it, the MARC language as ISO 639.
    assert (first["title"], first["author"], first["year"]) == ("红楼梦", "曹雪芹", 1982)
    assert (first["isbn"], first["isbn_valid"], first["language"]) == ("9787020002207", True, "zho")
    assert first["publisher"].startswith("Ren min") and first["edition"].startswith("Di 3")
    second = plan.rows[1]
    assert second.fields["isbn_valid"] is False and second.fields["language"] == "rus"
    assert [(p.row, p.column, p.level) for p in plan.problems] == [(3, "isbn", "warning")]
    imports.import_plan(exchange_staff, want_list, plan, "wants.mrc", valid_only=False)
    assert list(ListItem.objects.order_by("id").values_list("title", flat=True)) == [
        "红楼梦",
        "Prestuplenie i nakazanie",
    ]


def test_a_broken_record_is_named_with_its_offset_and_the_rest_can_be_imported(
    exchange_staff, offer_list
):
    broken = HONGLOUMENG[:40]  # a leader and part of a directory, then the next record
    plan = imports.plan_file(BAD_ISBN + broken + HONGLOUMENG, offer_list)
    errors = [p for p in plan.problems if p.level == "error"]
    assert [p.row for p in errors] == [2]
    assert f"{len(BAD_ISBN)}" in errors[0].message
    # The reader cannot find where the next record starts inside a broken one.
    assert [row.number for row in plan.valid_rows] == [1]
    with pytest.raises(imports.ImportBlocked):
        imports.import_plan(exchange_staff, offer_list, plan, "o.mrc", valid_only=False)
    assert ListItem.objects.count() == 0
    imports.import_plan(exchange_staff, offer_list, plan, "o.mrc", valid_only=True)
    assert ListItem.objects.count() == len(plan.valid_rows)
    assert set(ListItem.objects.values_list("status", flat=True)) == {"available"}


def test_a_record_twice_is_a_duplicate_row(want_list):
    plan = imports.plan_file(HONGLOUMENG + HONGLOUMENG, want_list)
    assert [(p.row, p.column) for p in plan.problems if p.level == "error"] == [(2, "isbn")]


def test_csv_starting_with_a_number_is_not_taken_for_marc(want_list):
    plan = imports.plan_file(b"12345678901234567890,45\ntitle,year\n", want_list)
    assert plan.file_format != "marc"


def test_a_file_of_holdings_only_is_refused(want_list):
    with pytest.raises(ImportFileError):
        imports.plan_file(HOLDINGS, want_list)


@pytest.mark.parametrize(
    ("relative", "script_sample"),
    [
        ("unimarc/dp2_sample_cnmarcxml_sru12.xml", None),
        ("marc/marc4j/chinese_mangled_multibyte.mrc", "車輪滾滾"),
    ],
)
def test_real_files_of_other_systems(exchange_staff, want_list, relative, script_sample):
    data = shared_path(relative).read_bytes()
    plan = imports.plan_file(data, want_list)
    assert plan.file_format == "marc" and plan.rows
    assert all(row.fields.get("title") for row in plan.valid_rows)
    if script_sample:
        assert script_sample in {row.fields["title"] for row in plan.rows}
    imports.import_plan(exchange_staff, want_list, plan, relative, valid_only=True)
    assert ListItem.objects.count() == len(plan.valid_rows)


def test_the_upload_page_takes_a_marc_file(exchange_client, want_list):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile("wants.mrc", HONGLOUMENG, "application/marc")
    response = exchange_client.post(
        reverse("exchange:import", args=[want_list.pk]), {"file": upload}
    )
    preview = exchange_client.get(response["Location"])
    assert preview.context["valid_count"] == 1
    exchange_client.post(response["Location"], {"action": "all"})
    assert ListItem.objects.get().title == "红楼梦"
