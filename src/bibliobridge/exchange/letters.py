"""Letters to partners: their wording (staff's templates, else the defaults below), the
placeholders they may use, and the language a partner is written to in.

A letter is in the language of the partner's exchange terms when there is a template in
it (zh and en always have one, the defaults); otherwise in English. The defaults are
texts in their own language, not interface strings: they are not translated.

Placeholders, written {name} in a subject or text (a literal brace is {{ or }}):

=============  ===============================================  =====================
name           what it becomes                                  letters
=============  ===============================================  =====================
partner        the partner's name in the letter's language      all
contact        the partner's exchange contact, or ""            all
our_library    our library's name in the letter's language      all
date           today's date                                     all
number         our shipment number                              shipments
reference      the partner's number for the shipment            shipments
items          how many copies (the packing list's total)       shipments
titles         how many lines (titles) on the packing list      shipments
boxes          how many boxes                                   shipments
weight         the total weight in kg                           shipments
shipped_on     the date the shipment left                       shipments
received_on    the date we received it                          shipments
tracking       courier and tracking number                      shipments
title          the serial's title                               claims
issn           its ISSN                                         claims
issue          the missing volume / issue                       claims
=============  ===============================================  =====================
"""

import datetime as dt
import string
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from .enums import LetterKind
from .models import LetterTemplate

COMMON = ("partner", "contact", "our_library", "date")
SHIPMENT = (
    "number", "reference", "items", "titles", "boxes", "weight", "shipped_on", "received_on",
    "tracking",
)  # fmt: skip
CLAIM = ("title", "issn", "issue")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    LetterKind.COVER: (*COMMON, *SHIPMENT),
    LetterKind.PACKING_LIST: (*COMMON, *SHIPMENT),
    LetterKind.ACKNOWLEDGEMENT: (*COMMON, *SHIPMENT),
    LetterKind.CLAIM: (*COMMON, *CLAIM),
}
# Languages every letter exists in (the defaults); staff may add others.
BUILT_IN = ("zh", "en")
FALLBACK = "en"
# ISO 639 codes a partner's terms may carry for the built-in languages.
ALIASES = {"zho": "zh", "chi": "zh", "eng": "en"}

DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    (LetterKind.COVER, "en"): (
        "Publications on exchange: shipment {number}",
        "Dear colleagues at {partner},\n\n"
        "Within the framework of our exchange of publications, we are pleased to send you "
        "{items} items in {boxes} box(es), shipment {number}, dispatched on {shipped_on} "
        "({tracking}). The packing list is enclosed.\n\n"
        "We would be grateful if you could acknowledge receipt, and let us know of any "
        "item missing or damaged on arrival.\n\n"
        "With best regards,\n{our_library}\n{date}",
    ),
    (LetterKind.COVER, "zh"): (
        "交换出版物：第 {number} 批寄送",
        "{partner}：\n\n"
        "根据我们双方的出版物交换安排，现寄上出版物 {items} 册，共 {boxes} 箱（批号 {number}，"
        "于 {shipped_on} 寄出，{tracking}）。随函附装箱清单一份。\n\n"
        "收到后请惠予回复确认；如有缺失或破损，亦请告知。\n\n"
        "此致\n敬礼！\n\n{our_library}\n{date}",
    ),
    (LetterKind.PACKING_LIST, "en"): (
        "Packing list: shipment {number}",
        "From {our_library} to {partner}: {items} items in {boxes} box(es), {weight} kg.",
    ),
    (LetterKind.PACKING_LIST, "zh"): (
        "装箱清单：第 {number} 批",
        "{our_library} 寄 {partner}：共 {items} 册，{boxes} 箱，{weight} 千克。",
    ),
    (LetterKind.ACKNOWLEDGEMENT, "en"): (
        "Thank you for your shipment {reference}",
        "Dear colleagues at {partner},\n\n"
        "We gratefully acknowledge receipt on {received_on} of your shipment {reference} "
        "of {items} items, which we have recorded as {number}. These publications are a "
        "valuable addition to our collections.\n\n"
        "Thank you for your continued cooperation.\n\n"
        "With best regards,\n{our_library}\n{date}",
    ),
    (LetterKind.ACKNOWLEDGEMENT, "zh"): (
        "致谢：贵馆寄来的 {reference} 批出版物已收到",
        "{partner}：\n\n"
        "贵馆寄来的 {reference} 批出版物共 {items} 册已于 {received_on} 收到（我馆登记号 "
        "{number}）。这批出版物丰富了我馆馆藏，谨致谢忱。\n\n"
        "感谢贵馆一贯的合作与支持。\n\n"
        "此致\n敬礼！\n\n{our_library}\n{date}",
    ),
    (LetterKind.CLAIM, "en"): (
        "Claim for a missing issue: {title} {issue}",
        "Dear colleagues at {partner},\n\n"
        "We have not received the following issue of a serial we receive from you on "
        "exchange:\n\n{title} (ISSN {issn}), {issue}\n\n"
        "We would be grateful if you could send it to us, or let us know if it will not "
        "be published.\n\n"
        "With best regards,\n{our_library}\n{date}",
    ),
    (LetterKind.CLAIM, "zh"): (
        "缺期催补：{title} {issue}",
        "{partner}：\n\n"
        "我馆通过交换从贵馆获得的下列期刊尚未收到：\n\n{title}（ISSN {issn}），{issue}\n\n"
        "敬请补寄；如该期不再出版，亦请告知。\n\n"
        "此致\n敬礼！\n\n{our_library}\n{date}",
    ),
}


@dataclass
class Letter:
    language: str
    subject: str
    body: str


class _Placeholders(dict):
    # An unknown name cannot reach here (templates are checked when saved); the defaults
    # are checked by the tests.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def letter_language(code: str) -> str:
    """The language to write to a partner whose terms say code: its own if we have any
    template in it, else English."""
    code = ALIASES.get((code or "").lower(), (code or "").lower())
    if code in BUILT_IN or (code and LetterTemplate.objects.filter(language=code).exists()):
        return code
    return FALLBACK


def django_language(code: str) -> str:
    """The interface language whose labels go with a letter in code (headings, columns)."""
    return "zh-hans" if code == "zh" else code


def placeholders_in(text: str) -> list[str]:
    """The placeholder names used in text. Raises ValueError on a stray brace."""
    return [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None]


def check_placeholders(kind: str, values: dict[str, str]) -> None:
    """Raise ValidationError on the field that uses a placeholder the letter does not know."""
    allowed = PLACEHOLDERS.get(kind, COMMON)
    errors: dict[str, Any] = {}
    for field, text in values.items():
        try:
            unknown = [name for name in placeholders_in(text) if name not in allowed]
        except ValueError:
            errors[field] = _("A brace { or } is unbalanced; write {{ or }} for a brace itself.")
            continue
        if unknown:
            errors[field] = _("Unknown placeholder {%(name)s}. Allowed here: %(allowed)s.") % {
                "name": unknown[0] or "",
                "allowed": ", ".join(f"{{{a}}}" for a in allowed),
            }
    if errors:
        raise ValidationError(errors)


def wording(kind: str, language: str) -> tuple[str, str]:
    """(subject, text) of the letter: staff's template, else the default, else English."""
    template = LetterTemplate.objects.filter(kind=kind, language=language).first()
    if template is not None:
        return template.subject, template.body
    return DEFAULTS.get((kind, language)) or DEFAULTS[(kind, FALLBACK)]


def format_date(day: dt.date | None, language: str) -> str:
    if day is None:
        return ""
    with translation.override(django_language(language)):
        return formats.date_format(day, "DATE_FORMAT")


def render(kind: str, language: str, values: dict[str, str]) -> Letter:
    subject, body = wording(kind, language)
    fill = _Placeholders(values)
    return Letter(
        language, string.Formatter().vformat(subject, (), fill),
        string.Formatter().vformat(body, (), fill),
    )  # fmt: skip
