"""Staff pages of shipments (ours and partners'), receipts, claims and letter templates.

Every view checks its permission on each request; objects are fetched through the
get_*_for_user helpers. Writes go through `shipments` (the services); a refused write
shows its message on the form's field or at the top of the page, and changes nothing.
"""

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bibliobridge.core import vocab
from bibliobridge.core.access import check_perm, require_perm
from bibliobridge.core.forms import add_service_errors
from bibliobridge.core.links import url_for_id
from bibliobridge.core.queries import activity_for

from . import documents, letters, queries, shipments
from .enums import ClaimStatus, LetterKind, ShipmentStatus
from .forms_shipments import (
    AddReservedForm,
    BoxForm,
    CheckForm,
    ClaimFilterForm,
    ClaimForm,
    FromListForm,
    IncomingForm,
    LetterForm,
    LineForm,
    MoveForm,
    NewClaimForm,
    NewLetterForm,
    OutgoingForm,
    ShipmentFilterForm,
    ShipmentForm,
)
from .models import Box, Claim, LetterTemplate, Shipment, ShipmentItem
from .views import PAGE_SIZE, _user, get_partner_for_user
from .workflow import claim_actions, shipment_actions

VIEW_SHIPMENTS = "exchange.view_shipment"
ADD_SHIPMENT = "exchange.add_shipment"
CHANGE_SHIPMENT = "exchange.change_shipment"
VIEW_CLAIMS = "exchange.view_claim"
ADD_CLAIM = "exchange.add_claim"
CHANGE_CLAIM = "exchange.change_claim"
VIEW_LETTERS = "exchange.view_lettertemplate"
CHANGE_LETTERS = "exchange.change_lettertemplate"


def get_shipment_for_user(user: Any, pk: int, *perms: str) -> Shipment:
    check_perm(user, VIEW_SHIPMENTS, *perms)
    try:
        return queries.shipment_detail(pk)
    except Shipment.DoesNotExist as error:
        raise Http404 from error


def get_box_for_user(user: Any, pk: int, *perms: str) -> Box:
    check_perm(user, VIEW_SHIPMENTS, *perms)
    try:
        return Box.objects.select_related("shipment__partner").get(pk=pk)
    except Box.DoesNotExist as error:
        raise Http404 from error


def get_line_for_user(user: Any, pk: int, *perms: str) -> ShipmentItem:
    check_perm(user, VIEW_SHIPMENTS, *perms)
    try:
        return ShipmentItem.objects.select_related("shipment__partner", "box").get(pk=pk)
    except ShipmentItem.DoesNotExist as error:
        raise Http404 from error


def get_claim_for_user(user: Any, pk: int, *perms: str) -> Claim:
    check_perm(user, VIEW_CLAIMS, *perms)
    try:
        return queries.filtered_claims().get(pk=pk)
    except Claim.DoesNotExist as error:
        raise Http404 from error


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _language(request: HttpRequest, partner: Any) -> str:
    """The partner's letter language, or another the page asked for (?language=zh)."""
    wanted = request.GET.get("language", "")
    if wanted and wanted in letter_languages():
        return wanted
    return documents.partner_language(partner)


def _letter_languages(partner: Any) -> dict[str, Any]:
    """The language the partner is written to, its name, and the others we have letters in."""
    language = documents.partner_language(partner)
    return {
        "language": language,
        "language_name": vocab.language_name(language) or language,
        "other_languages": [code for code in letter_languages() if code != language],
    }


def letter_languages() -> list[str]:
    extra = LetterTemplate.objects.exclude(language__in=letters.BUILT_IN).values_list(
        "language", flat=True
    )
    return [*letters.BUILT_IN, *sorted(set(extra))]


# ---------------------------------------------------------------- lists


@require_perm(VIEW_SHIPMENTS)
def shipment_list(request: HttpRequest) -> HttpResponse:
    filters = ShipmentFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    rows = queries.filtered_shipments(
        values.get("partner"), values.get("direction", ""), values.get("status", "")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    detail_url = url_for_id("exchange:shipment_detail")
    for row in page.object_list:
        row.url = detail_url(row.pk)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "exchange/shipment_list.html", context)


@require_perm(VIEW_CLAIMS)
def claim_list(request: HttpRequest) -> HttpResponse:
    filters = ClaimFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    rows = queries.filtered_claims(values.get("partner"), values.get("status", ""))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "exchange/claim_list.html", context)


# ---------------------------------------------------------------- new shipments


@require_perm(VIEW_SHIPMENTS, ADD_SHIPMENT)
def shipment_new(request: HttpRequest, partner_pk: int) -> HttpResponse:
    """Our shipment to a partner, of the items reserved for it."""
    partner = get_partner_for_user(request.user, partner_pk, VIEW_SHIPMENTS, ADD_SHIPMENT)
    items = queries.reserved_for_shipment(partner)
    form = OutgoingForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            shipment = shipments.create_outgoing(
                _user(request), partner, form.cleaned_data["items"], form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Shipment %(number)s was prepared.") % {"number": shipment})
            return redirect("exchange:shipment_detail", pk=shipment.pk)
    context = {"form": form, "partner": partner, "has_items": items.exists()}
    return render(request, "exchange/shipment_new.html", context)


@require_perm(VIEW_SHIPMENTS, ADD_SHIPMENT)
def incoming_new(request: HttpRequest) -> HttpResponse:
    """A partner's shipment as it arrives."""
    form = IncomingForm(request.POST or None, initial={"partner": request.GET.get("partner")})
    if request.method == "POST" and form.is_valid():
        try:
            shipment = shipments.create_incoming(
                _user(request), form.cleaned_data["partner"], form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Shipment %(number)s was recorded; now enter its packing list.")
                % {"number": shipment},
            )
            return redirect("exchange:shipment_detail", pk=shipment.pk)
    return render(request, "exchange/incoming_new.html", {"form": form})


# ---------------------------------------------------------------- one shipment


@require_perm(VIEW_SHIPMENTS)
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_for_user(request.user, pk)
    can_change = request.user.has_perm(CHANGE_SHIPMENT)
    lines = queries.shipment_lines(shipment)
    boxes = list(shipment.boxes.all())
    context = {
        "shipment": shipment,
        "lines": lines,
        "boxes": boxes,
        "totals": queries.shipment_totals(shipment),
        "can_change": can_change,
        "editable": can_change and shipment.is_editable,
        "actions": shipment_actions(shipment.direction, shipment.status) if can_change else [],
        "problems": shipments.shipping_problems(shipment)
        if shipment.status == ShipmentStatus.PREPARED
        else [],
        **_letter_languages(shipment.partner),
        "claims": queries.filtered_claims().filter(shipment_item__shipment=shipment),
        "can_claim": request.user.has_perm(ADD_CLAIM)
        and not shipment.is_outgoing
        and shipment.status in (ShipmentStatus.CHECKED, ShipmentStatus.ACKNOWLEDGED)
        and any(line.is_serial and line.missing_quantity for line in lines),
        "move_form": MoveForm(),
        "reserved_left": shipment.is_outgoing
        and shipment.status == ShipmentStatus.PREPARED
        and queries.reserved_for_shipment(shipment.partner).exists(),
        "activity": activity_for(shipment),
    }
    return render(request, "exchange/shipment_detail.html", context)


@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def shipment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_for_user(request.user, pk, CHANGE_SHIPMENT)
    if shipment.status == ShipmentStatus.CANCELLED:
        messages.error(request, _("A cancelled shipment does not change."))
        return redirect("exchange:shipment_detail", pk=pk)
    form = ShipmentForm(request.POST or None, instance=shipment)
    if request.method == "POST" and form.is_valid():
        try:
            shipments.update_shipment(
                _user(request), queries.shipment_detail(pk), form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("exchange:shipment_detail", pk=pk)
    return render(request, "exchange/shipment_form.html", {"form": form, "shipment": shipment})


@require_POST
@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def shipment_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One change of status, by the service of that change (shipments.move_shipment)."""
    shipment = get_shipment_for_user(request.user, pk, CHANGE_SHIPMENT)
    services = {
        name: partial(shipments.move_shipment, shipment=shipment, action=name)
        for name in shipments.SHIPMENT_MOVE_ACTIONS
    }
    if _moved(request, services, action):
        messages.success(
            request,
            _("Shipment %(number)s is now “%(status)s”.")
            % {"number": shipment.number, "status": shipment.status_label()},
        )
    return redirect("exchange:shipment_detail", pk=pk)


def _moved(request: HttpRequest, services: dict[str, Any], action: str) -> bool:
    """Run the service of the action with the form's date and mail choice; the form's or
    the service's refusal is shown as a message. Whether it was done."""
    if action not in services:
        raise Http404
    form = MoveForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
        return False
    try:
        services[action](_user(request), on=form.cleaned_data["on"], mail=form.cleaned_data["mail"])
    except ValidationError as error:
        _refused(request, error)
        return False
    return True


@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def shipment_check(request: HttpRequest, pk: int) -> HttpResponse:
    """What arrived, line by line of the partner's packing list."""
    shipment = get_shipment_for_user(request.user, pk, CHANGE_SHIPMENT)
    if shipment.is_outgoing or shipment.status not in (
        ShipmentStatus.RECEIVED, ShipmentStatus.CHECKED
    ):  # fmt: skip
        messages.error(request, _("Only a partner's shipment not yet acknowledged is checked."))
        return redirect("exchange:shipment_detail", pk=pk)
    lines = queries.shipment_lines(shipment)
    form = CheckForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            shipments.record_check(_user(request), shipment, form.results())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The check was recorded."))
            return redirect("exchange:shipment_detail", pk=pk)
    context = {"form": form, "shipment": shipment, "has_lines": bool(form.lines)}
    return render(request, "exchange/shipment_check.html", context)


@require_POST
@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT, ADD_CLAIM)
def shipment_claim(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_for_user(request.user, pk, CHANGE_SHIPMENT, ADD_CLAIM)
    try:
        made = shipments.claim_missing(_user(request), shipment)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Claims opened: %(count)d.") % {"count": len(made)})
    return redirect("exchange:shipment_detail", pk=pk)


# ---------------------------------------------------------------- boxes and lines


@require_POST
@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def box_add(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_for_user(request.user, pk, CHANGE_SHIPMENT)
    form = BoxForm(request.POST)
    if form.is_valid():
        try:
            shipments.add_box(_user(request), shipment, form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("A box was added."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else str(message))
    return redirect("exchange:shipment_detail", pk=pk)


@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def box_edit(request: HttpRequest, pk: int) -> HttpResponse:
    box = get_box_for_user(request.user, pk, CHANGE_SHIPMENT)
    form = BoxForm(request.POST or None, instance=box)
    if request.method == "POST" and form.is_valid():
        try:
            shipments.update_box(_user(request), Box.objects.get(pk=pk), form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("exchange:shipment_detail", pk=box.shipment_id)
    context = {"form": form, "box": box, "shipment": box.shipment}
    return render(request, "exchange/box_form.html", context)


@require_POST
@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def box_delete(request: HttpRequest, pk: int) -> HttpResponse:
    box = get_box_for_user(request.user, pk, CHANGE_SHIPMENT)
    try:
        shipments.delete_box(_user(request), box)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The box was removed; its items are in no box now."))
    return redirect("exchange:shipment_detail", pk=box.shipment_id)


@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def items_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Ours: more of the partner's reserved items. A partner's: a line typed in."""
    shipment = get_shipment_for_user(request.user, pk, CHANGE_SHIPMENT)
    # A checked parcel still takes an extra item found late.
    extra_only = not shipment.is_outgoing and shipment.status == ShipmentStatus.CHECKED
    if not shipment.is_editable and not extra_only:
        messages.error(request, _("The items of this shipment can no longer change."))
        return redirect("exchange:shipment_detail", pk=pk)
    if shipment.is_outgoing:
        form: Any = AddReservedForm(
            request.POST or None, items=queries.reserved_for_shipment(shipment.partner)
        )
    else:
        form = LineForm(request.POST or None, shipment=shipment, extra_only=extra_only)
    if request.method == "POST" and form.is_valid():
        try:
            if shipment.is_outgoing:
                shipments.add_reserved_items(_user(request), shipment, form.cleaned_data["items"])
            else:
                values = {**form.cleaned_data, "extra": extra_only or form.cleaned_data["extra"]}
                shipments.add_line(_user(request), shipment, values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The items were added."))
            if "another" in request.POST:
                return redirect("exchange:shipment_items_add", pk=pk)
            return redirect("exchange:shipment_detail", pk=pk)
    context = {"form": form, "shipment": shipment, "line": None, "extra_only": extra_only}
    return render(request, "exchange/line_form.html", context)


@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def items_from_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner's packing list from the items of its offers we asked for."""
    shipment = get_shipment_for_user(request.user, pk, CHANGE_SHIPMENT)
    if shipment.is_outgoing or not shipment.is_editable:
        messages.error(request, _("The items of this shipment can no longer change."))
        return redirect("exchange:shipment_detail", pk=pk)
    form = FromListForm(request.POST or None, partner=shipment.partner)
    if request.method == "POST" and form.is_valid():
        try:
            shipments.add_lines_from_list(_user(request), shipment, form.cleaned_data["items"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The items were added."))
            return redirect("exchange:shipment_detail", pk=pk)
    context = {"form": form, "shipment": shipment, "line": None, "from_list": True}
    return render(request, "exchange/line_form.html", context)


@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_line_for_user(request.user, pk, CHANGE_SHIPMENT)
    shipment = line.shipment
    if not shipment.is_editable:
        messages.error(request, _("The items of this shipment can no longer change."))
        return redirect("exchange:shipment_detail", pk=shipment.pk)
    form = LineForm(request.POST or None, instance=line, shipment=shipment)
    if request.method == "POST" and form.is_valid():
        try:
            shipments.update_line(_user(request), line, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("exchange:shipment_detail", pk=shipment.pk)
    context = {"form": form, "shipment": shipment, "line": line}
    return render(request, "exchange/line_form.html", context)


@require_POST
@require_perm(VIEW_SHIPMENTS, CHANGE_SHIPMENT)
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_line_for_user(request.user, pk, CHANGE_SHIPMENT)
    try:
        shipments.remove_line(_user(request), line)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The item was taken out of the shipment."))
    return redirect("exchange:shipment_detail", pk=line.shipment_id)


# ---------------------------------------------------------------- PDFs


@require_perm(VIEW_SHIPMENTS)
def packing_list(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_for_user(request.user, pk)
    content = documents.packing_list_pdf(shipment, _language(request, shipment.partner))
    return _pdf(content, f"{shipment.number}-packing-list.pdf")


@require_perm(VIEW_SHIPMENTS)
def cover_letter(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_for_user(request.user, pk)
    if not shipment.is_outgoing:
        raise Http404
    content = documents.cover_letter_pdf(shipment, _language(request, shipment.partner))
    return _pdf(content, f"{shipment.number}-letter.pdf")


@require_perm(VIEW_SHIPMENTS)
def acknowledgement_letter(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_for_user(request.user, pk)
    if shipment.is_outgoing:
        raise Http404
    content = documents.acknowledgement_pdf(shipment, _language(request, shipment.partner))
    return _pdf(content, f"{shipment.number}-acknowledgement.pdf")


@require_perm(VIEW_CLAIMS)
def claim_letter(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, pk)
    content = documents.claim_pdf(claim, _language(request, claim.partner))
    return _pdf(content, f"claim-{claim.pk}.pdf")


# ---------------------------------------------------------------- claims


@require_perm(VIEW_CLAIMS, ADD_CLAIM)
def claim_new(request: HttpRequest) -> HttpResponse:
    form = NewClaimForm(request.POST or None, initial={"partner": request.GET.get("partner")})
    if request.method == "POST" and form.is_valid():
        try:
            claim = shipments.create_claim(
                _user(request), form.cleaned_data["partner"], form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The claim was opened."))
            return redirect("exchange:claim_detail", pk=claim.pk)
    return render(request, "exchange/claim_form.html", {"form": form, "claim": None})


@require_perm(VIEW_CLAIMS)
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, pk)
    can_change = request.user.has_perm(CHANGE_CLAIM)
    context = {
        "claim": claim,
        "can_change": can_change,
        "actions": claim_actions(claim.status) if can_change else [],
        "move_form": MoveForm(),
        **_letter_languages(claim.partner),
        "activity": activity_for(claim),
    }
    return render(request, "exchange/claim_detail.html", context)


@require_perm(VIEW_CLAIMS, CHANGE_CLAIM)
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, pk, CHANGE_CLAIM)
    if claim.status != ClaimStatus.OPEN:
        messages.error(request, _("A claim changes only while it is open."))
        return redirect("exchange:claim_detail", pk=pk)
    form = ClaimForm(request.POST or None, instance=claim)
    if request.method == "POST" and form.is_valid():
        try:
            shipments.update_claim(_user(request), claim, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("exchange:claim_detail", pk=pk)
    return render(request, "exchange/claim_form.html", {"form": form, "claim": claim})


@require_POST
@require_perm(VIEW_CLAIMS, CHANGE_CLAIM)
def claim_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = get_claim_for_user(request.user, pk, CHANGE_CLAIM)
    services = {
        "send": lambda user, on, mail: shipments.send_claim(user, claim, on, mail),
        "fulfil": lambda user, on, mail: shipments.record_claim_received(user, claim, on),
        "withdraw": lambda user, on, mail: shipments.cancel_claim(user, claim),
    }
    if _moved(request, services, action):
        messages.success(
            request, _("The claim is now “%(status)s”.") % {"status": claim.status_label()}
        )
    return redirect("exchange:claim_detail", pk=pk)


# ---------------------------------------------------------------- letter templates


@require_perm(VIEW_LETTERS)
def letter_list(request: HttpRequest) -> HttpResponse:
    saved = {(t.kind, t.language): t for t in LetterTemplate.objects.all()}
    rows = []
    for kind in LetterKind:
        for language in letter_languages():
            if (kind, language) in saved or (kind, language) in letters.DEFAULTS:
                subject, _body = letters.wording(kind, language)
                rows.append(
                    {"kind": kind, "language": language, "subject": subject,
                     "edited": (kind, language) in saved}
                )  # fmt: skip
    context = {"rows": rows, "new_form": NewLetterForm(), "placeholders": letters.PLACEHOLDERS}
    return render(request, "exchange/letter_list.html", context)


@require_perm(VIEW_LETTERS, CHANGE_LETTERS)
def letter_new(request: HttpRequest) -> HttpResponse:
    form = NewLetterForm(request.GET or None)
    if form.is_valid():
        return redirect(
            "exchange:letter_edit",
            kind=form.cleaned_data["kind"],
            language=form.cleaned_data["language"],
        )
    return render(request, "exchange/letter_new.html", {"form": form})


@require_perm(VIEW_LETTERS, CHANGE_LETTERS)
def letter_edit(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    if kind not in LetterKind.values:
        raise Http404
    new = NewLetterForm({"kind": kind, "language": language})
    if not new.is_valid() or new.cleaned_data["language"] != language:
        raise Http404
    subject, body = letters.wording(kind, language)
    template = LetterTemplate.objects.filter(kind=kind, language=language).first()
    form = LetterForm(request.POST or None, initial={"subject": subject, "body": body})
    if request.method == "POST" and form.is_valid():
        try:
            shipments.save_letter_template(_user(request), kind, language, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The letter was saved."))
            return redirect("exchange:letter_list")
    context = {
        "form": form,
        "kind_label": LetterKind(kind).label,
        "kind": kind,
        "language": language,
        "template": template,
        "has_default": (kind, language) in letters.DEFAULTS,
        "placeholders": letters.PLACEHOLDERS[kind],
    }
    return render(request, "exchange/letter_form.html", context)


@require_POST
@require_perm(VIEW_LETTERS, CHANGE_LETTERS)
def letter_reset(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    template = LetterTemplate.objects.filter(kind=kind, language=language).first()
    if template is None:
        raise Http404
    shipments.reset_letter_template(_user(request), template)
    messages.success(request, _("The letter is back to its default wording."))
    return redirect("exchange:letter_list")
