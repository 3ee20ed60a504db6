"""The catalogue's import pages: each allowed and denied, and an upload run to the end."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bibliobridge.catalog.enums import RunSource, RunStatus
from bibliobridge.catalog.imports import start_run
from bibliobridge.catalog.models import ImportRun, Record

pytestmark = pytest.mark.django_db


def test_outsider_is_refused_every_page(outsider_client, holder):
    run = start_run(holder, RunSource.COMMAND, "x.mrc")
    for url in (
        reverse("catalog:imports"),
        reverse("catalog:upload"),
        reverse("catalog:import", args=[run.pk]),
    ):
        assert outsider_client.get(url).status_code == 403


def test_viewer_sees_imports_but_cannot_upload(viewer_client, holder):
    run = start_run(holder, RunSource.COMMAND, "partner.mrc")
    assert "partner.mrc" in viewer_client.get(reverse("catalog:imports")).content.decode()
    assert viewer_client.get(reverse("catalog:import", args=[run.pk])).status_code == 200
    assert viewer_client.get(reverse("catalog:upload")).status_code == 403
    assert viewer_client.post(reverse("catalog:upload"), {}).status_code == 403


def test_upload_is_read_in_the_background_and_the_file_removed(
    ill_client, holder, shared_file, settings, django_capture_on_commit_callbacks
):
    data = shared_file("marc/loc/loc_booksall2016_part01_every64th.mrc").read_bytes()
    first = data[: data.index(b"\x1d") + 1]
    with django_capture_on_commit_callbacks(execute=True):
        response = ill_client.post(
            reverse("catalog:upload"),
            {"holder": holder.pk, "file": SimpleUploadedFile("one.mrc", first), "replace": "on"},
        )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:import", args=[run.pk])
    # The tests' task backend runs the task at once, when the upload commits.
    assert run.status == RunStatus.DONE
    assert run.stored_path == ""
    assert not any(settings.CATALOG_IMPORT_DIR.iterdir())
    assert Record.objects.filter(holder=holder).count() == 1
    page = ill_client.get(reverse("catalog:import", args=[run.pk]))
    assert "one.mrc" in page.content.decode()
    partial = ill_client.get(reverse("catalog:import", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in partial.content.decode()  # finished: no more polling


def test_an_empty_upload_is_refused_with_a_message(ill_client, holder):
    response = ill_client.post(
        reverse("catalog:upload"), {"holder": holder.pk, "file": SimpleUploadedFile("e.mrc", b"")}
    )
    assert response.status_code == 200
    assert not ImportRun.objects.exists()
    assert "empty" in response.content.decode()


def test_a_failed_run_names_its_problem(viewer_client, holder, tmp_path):
    from bibliobridge.catalog.imports import run_import

    jpeg = tmp_path / "photo.mrc"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100))
    run = run_import(start_run(holder, RunSource.COMMAND, "photo.mrc"), [jpeg])
    body = viewer_client.get(reverse("catalog:import", args=[run.pk])).content.decode()
    assert "Nothing was changed" in body
