import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bibliobridge.exchange import documents, letters, services, shipments
from bibliobridge.exchange.enums import LetterKind
from bibliobridge.exchange.models import LetterTemplate

from .pdftext import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(exchange_staff, prepared):
    first, second = prepared.boxes.all()
    shipments.update_box(exchange_staff, first, {"weight_kg": Decimal("3.5")})
    shipments.update_box(exchange_staff, second, {"weight_kg": Decimal("1.25")})
    shipments.update_line(exchange_staff, prepared.items.get(title="한국의 역사"), {"box": second})
    shipments.update_shipment(
        exchange_staff, prepared,
        {"tracking_number": "EE123456789CN", "postage": Decimal("210.00"),
         "postage_currency": "CNY"},
    )  # fmt: skip
    shipments.ship(exchange_staff, prepared, dt.date(2026, 11, 20))
    prepared.refresh_from_db()
    return prepared


def set_language(exchange_staff, partner, language):
    services.save_terms(exchange_staff, partner, {"kind": "piece_for_piece", "language": language})


@pytest.mark.parametrize("language", ["zh", "en"])
def test_packing_list_in_the_partners_language_with_titles_in_any_script(
    exchange_staff, partner, home, shipped, language
):
    set_language(exchange_staff, partner, language)
    assert documents.partner_language(partner) == language
    text = pdf_text(documents.packing_list_pdf(shipped, language))
    for title in (
        "红楼梦",
        "曹雪芹",
        "Война и мир",
        "Толстой, Лев",
        "한국의 역사",
        "9787020002207",
    ):
        assert title in text
    assert shipped.number in text and "EE123456789CN" in text
    assert "91.00 CNY" in text and "210.00 CNY" in text
    if language == "zh":
        assert "日本国立国会图书馆" in text and "北京大学图书馆" in text
        assert "装箱清单" in text and "共 4 册，2 箱，4.75 千克" in text
    else:
        assert "National Diet Library" in text and "Peking University Library" in text
        assert "Packing list: shipment" in text and "4 items in 2 box(es), 4.75 kg" in text
        assert "Box 1 · 3.5 kg" in text and "Box 2 · 1.25 kg" in text
    # The partner's name as it writes it, under the one in the letter's language.
    assert "国立国会図書館" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh", ["日本国立国会图书馆：", "现寄上出版物 4 册，共 2 箱", "2026年11月20日", "EE123456789CN"]),
        ("en", ["Dear colleagues at National Diet Library,", "4 items in 2 box(es)",
                "Nov. 20, 2026", "Publications on exchange: shipment"]),
    ],
)  # fmt: skip
def test_cover_letter_in_both_languages(exchange_staff, partner, home, shipped, language, expected):
    set_language(exchange_staff, partner, language)
    text = pdf_text(documents.cover_letter_pdf(shipped, documents.partner_language(partner)))
    for words in expected:
        assert words in text


def test_a_language_without_letters_gets_english_until_staff_write_one(
    exchange_staff, partner, home, shipped
):
    set_language(exchange_staff, partner, "ja")
    assert documents.partner_language(partner) == "en"
    services.save_terms(exchange_staff, partner, {"kind": "piece_for_piece", "language": "zho"})
    assert documents.partner_language(partner) == "zh"
    set_language(exchange_staff, partner, "ja")
    shipments.save_letter_template(
        exchange_staff, LetterKind.COVER, "ja",
        {"subject": "交換資料の送付（{number}）", "body": "{partner} 御中\n\n資料 {items} 点をお送りします。"},
    )  # fmt: skip
    assert documents.partner_language(partner) == "ja"
    text = pdf_text(documents.cover_letter_pdf(shipped, "ja"))
    assert f"交換資料の送付（{shipped.number}）" in text and "資料 4 点をお送りします。" in text
    # Letters it has no template for fall back to English.
    assert letters.render(LetterKind.CLAIM, "ja", {}).subject.startswith("Claim for a missing")


def test_templates_are_edited_checked_and_reset(exchange_staff):
    with pytest.raises(ValidationError) as error:
        shipments.save_letter_template(
            exchange_staff, LetterKind.CLAIM, "en", {"subject": "Missing {number}", "body": "{"}
        )
    assert sorted(error.value.message_dict) == ["body", "subject"]
    assert "Unknown placeholder {number}" in error.value.message_dict["subject"][0]
    assert LetterTemplate.objects.count() == 0
    template = shipments.save_letter_template(
        exchange_staff,
        LetterKind.CLAIM,
        "en",
        {"subject": "Claim: {title}", "body": "{{ok}} {issue}"},
    )
    rendered = letters.render(LetterKind.CLAIM, "en", {"title": "Nature", "issue": "v. 1"})
    assert (rendered.subject, rendered.body) == ("Claim: Nature", "{ok} v. 1")
    shipments.reset_letter_template(exchange_staff, template)
    assert (
        letters.render(LetterKind.CLAIM, "en", {}).subject
        == "Claim for a missing issue: {title} {issue}"
    )


def test_every_default_letter_uses_only_its_placeholders():
    for (kind, language), (subject, body) in letters.DEFAULTS.items():
        letters.check_placeholders(kind, {"subject": subject, "body": body})
        assert language in letters.BUILT_IN
    assert {kind for kind, _language in letters.DEFAULTS} == set(LetterKind.values)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_acknowledgement_and_claim_letters(exchange_staff, partner, home, language):
    set_language(exchange_staff, partner, language)
    incoming = shipments.create_incoming(
        exchange_staff,
        partner,
        {"partner_reference": "NDL-17", "received_on": dt.date(2026, 11, 24)},
    )
    shipments.add_line(
        exchange_staff, incoming, {"title": "月報", "issn": "0027-9153", "issue": "No. 756"}
    )
    text = pdf_text(documents.acknowledgement_pdf(incoming, language))
    claim = shipments.create_claim(
        exchange_staff,
        partner,
        {"title": "国立国会図書館月報", "issn": "0027-9153", "issue": "No. 756"},
    )
    claim_text = pdf_text(documents.claim_pdf(claim, language))
    today = letters.format_date(timezone.localdate(), language)
    assert today in text and today in claim_text
    assert "国立国会図書館月報（ISSN 0027-9153），No. 756" in claim_text or (
        "国立国会図書館月報 (ISSN 0027-9153), No. 756" in claim_text
    )
    if language == "zh":
        assert "贵馆寄来的 NDL-17 批出版物共 1 册已于 2026年11月24日 收到" in text
        assert "缺期催补" in claim_text
    else:
        assert "receipt on Nov. 24, 2026 of your shipment NDL-17 of 1 items" in text
        assert "Claim for a missing issue" in claim_text


def test_names_in_any_script_are_drawn_in_a_font_that_has_them():
    from bibliobridge.core import pdf

    text = "Dvořák, Łódź; Ἑλλάς; Толстой; 한국; 国立国会図書館; Æsop"
    document = pdf.Document("scripts")
    document.paragraph(text)
    assert pdf_text(document.finish()) == text + "1"  # and the page number
    fonts = {char: pdf.font_for(char) for char in "řΕТ한国Æ"}
    assert (fonts["한"], fonts["国"], fonts["Æ"]) == (
        "HYSMyeongJo-Medium",
        "STSong-Light",
        "Helvetica",
    )
    if not (pdf.WIDE_DIR / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu Sans is not installed (Debian package fonts-dejavu-core)")
    assert {fonts["ř"], fonts["Ε"], fonts["Т"]} == {"DejaVuSans"}


def test_long_titles_wrap_within_the_page():
    from bibliobridge.core import pdf

    title = "A very long title " * 12 + "中文题名" * 30
    lines = pdf.wrap(title, 100, 9)
    assert all(pdf.width_of(line, 9) <= 100 for line in lines)
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")
