import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from bibliobridge.partners import services
from bibliobridge.partners.models import Institution

from .test_io_directory import ENTRY
from .test_io_ror import DUMP

GOOD = b"name,country,isil\nBritish Library,GB,GB-UkBL\n"
MIXED = b"name,country,isil\nBritish Library,GB,GB-UkBL\nBroken,GB,GB-UkBL/toolongforanisil\n"


@pytest.fixture
def bl(officer):
    return services.create_institution(
        officer, {"kind": "national_library", "name": "British Library", "country": "GB",
                  "time_zone": "Europe/London"}, identifiers=[("isil", "GB-UkBL")],
    )  # fmt: skip


def upload(client, data, name="partners.csv"):
    return client.post(reverse("partners:import"), {"file": SimpleUploadedFile(name, data)})


def stored_files(settings):
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_import_preview_and_confirm(officer_client, settings):
    response = upload(officer_client, "名称,国家\n上海图书馆,CN\n国家图书馆,CN\n".encode("gbk"))
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:import_confirm")
    assert len(stored_files(settings)) == 1
    preview = officer_client.get(reverse("partners:import_confirm"))
    assert preview.status_code == 200
    assert preview.context["create_count"] == 2
    assert "Import all" in preview.content.decode()
    done = officer_client.post(reverse("partners:import_confirm"), {"action": "all"})
    assert done.status_code == 302
    assert sorted(Institution.objects.values_list("name", flat=True)) == [
        "上海图书馆",
        "国家图书馆",
    ]
    assert stored_files(settings) == []


def test_preview_lists_problems_and_imports_valid_rows(officer_client, settings):
    upload(officer_client, MIXED)
    preview = officer_client.get(reverse("partners:import_confirm"))
    assert [(p.row, p.column) for p in preview.context["problems"]] == [(3, "isil")]
    assert "Import the 1 valid row" in preview.content.decode()
    # "all" is refused while there are errors.
    officer_client.post(reverse("partners:import_confirm"), {"action": "all"})
    assert Institution.objects.count() == 0
    officer_client.post(reverse("partners:import_confirm"), {"action": "valid"})
    assert list(Institution.objects.values_list("name", flat=True)) == ["British Library"]
    assert stored_files(settings) == []


def test_cancel_deletes_the_upload(officer_client, settings):
    upload(officer_client, GOOD)
    officer_client.post(reverse("partners:import_confirm"), {"action": "cancel"})
    assert stored_files(settings) == []
    assert officer_client.get(reverse("partners:import_confirm")).status_code == 302


def test_session_token_cannot_name_a_path(officer_client, settings):
    session = officer_client.session
    session["partners_import"] = {"token": "../../settings.py", "name": "x"}
    session.save()
    response = officer_client.get(reverse("partners:import_confirm"))
    assert response.status_code == 302


def test_undecidable_file_is_refused(officer_client):
    response = upload(officer_client, b"name,country\n" + bytes(range(0x80, 0x100)) * 2)
    assert response.status_code == 302
    page = officer_client.get(reverse("partners:import_confirm"))
    assert "CSV UTF-8" in page.content.decode()


def test_export(officer_client, bl):
    response = officer_client.get(reverse("partners:export"), {"country": "GB"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"GB-UkBL" in response.content
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert (
        b"GB-UkBL" not in officer_client.get(reverse("partners:export"), {"country": "CN"}).content
    )
    xlsx = officer_client.get(reverse("partners:export"), {"format": "xlsx"})
    assert xlsx.content.startswith(b"PK")


def test_entry_json_and_import(officer_client, bl):
    response = officer_client.get(reverse("partners:entry_json", args=[bl.pk]))
    assert json.loads(response.content)["identifiers"] == [{"scheme": "isil", "value": "GB-UkBL"}]
    data = json.dumps(ENTRY).encode()
    response = officer_client.post(
        reverse("partners:entry_import"), {"file": SimpleUploadedFile("e.json", data)}
    )
    pku = Institution.objects.get(identifiers__value="CN-100871")
    assert response["Location"] == reverse("partners:detail", args=[pku.pk])
    bad = dict(ENTRY, country="QQ")
    response = officer_client.post(
        reverse("partners:entry_import"),
        {"file": SimpleUploadedFile("e.json", json.dumps(bad).encode())},
    )
    assert response.context["problems"][0][0] == "country"


def test_ror_upload(officer_client):
    response = officer_client.post(
        reverse("partners:ror_import"),
        {
            "file": SimpleUploadedFile("ror.json", json.dumps(DUMP).encode()),
            "countries": "GB CN",
            "types": "",
        },
    )
    assert response.status_code == 200
    assert response.context["result"].created == 3


@pytest.mark.parametrize("persona", ["viewer_client", "outsider_client"])
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("import", []),
        ("import_confirm", []),
        ("export", []),
        ("entry_import", []),
        ("ror_import", []),
    ],
)
def test_denied(request, persona, name, args):
    client = request.getfixturevalue(persona)
    assert client.get(reverse(f"partners:{name}", args=args)).status_code == 403


@pytest.mark.parametrize("persona", ["viewer_client", "outsider_client"])
def test_entry_json_denied(request, persona, bl):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("partners:entry_json", args=[bl.pk])).status_code == 403


def test_ill_staff_may_export_but_not_import(ill_client):
    assert ill_client.get(reverse("partners:export")).status_code == 200
    assert ill_client.get(reverse("partners:import")).status_code == 403


def test_commands(officer, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(MIXED)
    out = io.StringIO()
    with pytest.raises(Exception, match="valid-only"):
        call_command("import_partners", str(source), "--as", "officer", stdout=out)
    call_command("import_partners", str(source), "--valid-only", stdout=out)
    assert "row 3\tisil\terror\t" in out.getvalue()
    assert "created 1, updated 0, skipped 1" in out.getvalue()

    target = tmp_path / "out.xlsx"
    call_command("export_partners", "--format", "xlsx", "--output", str(target))
    assert target.read_bytes().startswith(b"PK")
    entries = tmp_path / "entries.json"
    call_command("export_partners", "--format", "json", "--output", str(entries))
    assert json.loads(entries.read_text())[0]["identifiers"] == [
        {"scheme": "isil", "value": "GB-UkBL"}
    ]

    entry = tmp_path / "entry.json"
    entry.write_text(json.dumps(ENTRY))
    call_command("import_directory_entry", str(entry), stdout=out)
    dump = tmp_path / "ror.json"
    dump.write_text(json.dumps(DUMP))
    out = io.StringIO()
    call_command("import_ror", str(dump), "--country", "US", "--country", "CH", stdout=out)
    assert (
        "created 2, updated 0, unchanged 0, skipped 5, parents linked 0, errors 0" in out.getvalue()
    )
