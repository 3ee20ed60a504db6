"""Pull slips: a PDF page per partner's request, with our shelf marks when we hold it."""

import pymarc
from django.urls import reverse

from bibliobridge.ill import slips
from bibliobridge.ill.models import IllRequest

from .conftest import partner_request
from .test_flows import deliver
from .test_views import ISBN, holding


def test_slips_for_the_shelves(network, ill_client, viewer_client, outsider_client, tmp_path):
    holding(network.home, tmp_path)
    assert deliver(network, partner_request("slip-1", "DE-1")).ok
    request = IllRequest.objects.get(their_id="slip-1")
    request.title = "红楼梦 · Der Zauberberg"
    request.save()
    assert request.isbn == ISBN
    for url in (reverse("ill:pull_slips"), reverse("ill:pull_slip", args=[request.pk])):
        assert outsider_client.get(url).status_code == 403
        response = viewer_client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-") and b"%%EOF" in response.content[-1024:]
        assert b"STSong-Light" in response.content  # the Chinese title's font is in it


def test_shelf_marks_come_from_our_own_catalogue(network, tmp_path):
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="home-1"))
    record.add_field(
        pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", ISBN)])
    )
    record.add_field(
        pymarc.Field(tag="245", indicators=["1", "0"], subfields=[pymarc.Subfield("a", "Z")])
    )
    record.add_field(pymarc.Field(tag="852", indicators=[" ", " "], subfields=[
        pymarc.Subfield("b", "Stacks"), pymarc.Subfield("h", "PT2625.A44 Z3"),
    ]))  # fmt: skip
    path = tmp_path / "home.mrc"
    path.write_bytes(record.as_marc())
    from bibliobridge.catalog import imports

    run = imports.start_run(network.home, "command", path.name)
    imports.run_import(run, [path])
    assert deliver(network, partner_request("slip-2", "DE-1")).ok
    marks = slips.shelf_marks(IllRequest.objects.get(their_id="slip-2"))
    assert marks and "PT2625.A44 Z3" in marks[0]
    assert slips.pull_slips([IllRequest.objects.get(their_id="slip-2")]).startswith(b"%PDF")


def test_slips_draw_every_script(network, tmp_path):
    from bibliobridge.exchange.tests.shipments.pdftext import pdf_text

    assert deliver(network, partner_request("slip-3", "DE-1")).ok
    request = IllRequest.objects.get(their_id="slip-3")
    request.title, request.author = "Dolina Issy · 红楼梦 · Война и мир", "Miłosz, Czesław"
    text = pdf_text(slips.pull_slips([request]))
    for part in ("Dolina Issy", "红楼梦", "Война и мир", "Miłosz, Czesław"):
        assert part in text
