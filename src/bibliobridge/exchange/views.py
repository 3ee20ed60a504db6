"""Staff pages of publication exchange: terms per partner, offer and want lists, imports.

An uploaded list is kept under MEDIA_ROOT/exchange-imports/<random token> between the
preview and the confirmation, as the partner import keeps its files: the session holds
the token and the list it is for, never a path, and the file is deleted once imported or
cancelled.
"""

import smtplib
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from bibliobridge.core import vocab
from bibliobridge.core.access import check_perm, require_perm
from bibliobridge.core.files import KeptUpload
from bibliobridge.core.forms import add_service_errors
from bibliobridge.core.links import url_for_id
from bibliobridge.core.models import User
from bibliobridge.core.queries import activity_for
from bibliobridge.partners.io.rows import ImportBlocked
from bibliobridge.partners.io.tabular import ImportFileError, read_upload
from bibliobridge.partners.models import Institution

from . import imports, ledger, portal, queries, services, tasks
from .forms import (
    ItemForm,
    ListFilterForm,
    ListForm,
    MatchFilterForm,
    OrderFilterForm,
    PartnerChoiceForm,
    PortalLinkForm,
    TermsForm,
    UploadForm,
)
from .matching import describe
from .models import (
    ExchangeList,
    ExchangeTerms,
    ListItem,
    MatchSuggestion,
    OrderLine,
    PortalLink,
    PortalOrder,
)

PAGE_SIZE = 50
VIEW_TERMS = "exchange.view_exchangeterms"
VIEW_LISTS = "exchange.view_exchangelist"
CHANGE_LIST = "exchange.change_exchangelist"
IMPORT_ITEMS = "exchange.import_list_items"
VIEW_LINKS = "exchange.view_portallink"
ADD_LINK = "exchange.add_portallink"
CHANGE_LINK = "exchange.change_portallink"
VIEW_ORDERS = "exchange.view_portalorder"
CHANGE_ORDER = "exchange.change_portalorder"
DECIDE_MATCHES = "exchange.decide_matches"
UPLOAD = KeptUpload("exchange-imports", "exchange_import")  # a list's file, preview to import


def _user(request: HttpRequest) -> User:
    # Every view is behind require_perm, so the user is signed in.
    return cast(User, request.user)


def get_partner_for_user(user: Any, pk: int, *perms: str) -> Institution:
    check_perm(user, VIEW_TERMS, *perms)
    try:
        return Institution.objects.get(pk=pk, is_home=False)
    except Institution.DoesNotExist as error:
        raise Http404 from error


def get_list_for_user(user: Any, pk: int, *perms: str) -> ExchangeList:
    check_perm(user, VIEW_LISTS, *perms)
    try:
        return queries.list_detail(pk)
    except ExchangeList.DoesNotExist as error:
        raise Http404 from error


def get_item_for_user(user: Any, pk: int, *perms: str) -> ListItem:
    check_perm(user, VIEW_LISTS, *perms)
    try:
        return ListItem.objects.select_related("exchange_list").get(pk=pk)
    except ListItem.DoesNotExist as error:
        raise Http404 from error


# ---------------------------------------------------------------- terms


@require_perm(VIEW_TERMS)
def terms_list(request: HttpRequest) -> HttpResponse:
    return render(request, "exchange/terms_list.html", {"terms": queries.listed_terms()})


@require_perm(VIEW_TERMS)
def terms_detail(request: HttpRequest, partner_pk: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_pk)
    try:
        terms = queries.terms_detail(partner.pk)
    except ExchangeTerms.DoesNotExist:
        terms = None
    context = {
        "partner": partner,
        "terms": terms,
        "currency_name": vocab.currency_name(terms.currency) if terms else "",
        "language_name": vocab.language_name(terms.language) if terms else "",
        "activity": activity_for(terms) if terms else [],
        "alerts": (
            ledger.ledger_for(partner, timezone.localdate().year).alerts
            if terms and request.user.has_perm("exchange.view_shipment")
            else []
        ),
        "lists": queries.filtered_lists().filter(partner=partner),
        "can_edit": request.user.has_perm(
            "exchange.change_exchangeterms" if terms else "exchange.add_exchangeterms"
        ),
    }
    return render(request, "exchange/terms_detail.html", context)


@require_perm(VIEW_TERMS, "exchange.add_exchangeterms")
def terms_new(request: HttpRequest) -> HttpResponse:
    """Choose the partner; its terms are then set on their own page."""
    form = PartnerChoiceForm(request.GET or None)
    if form.is_valid():
        return redirect("exchange:terms_edit", partner_pk=form.cleaned_data["partner"].pk)
    return render(request, "exchange/terms_new.html", {"form": form})


@require_perm(VIEW_TERMS, "exchange.change_exchangeterms")
def terms_edit(request: HttpRequest, partner_pk: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, partner_pk)
    terms = ExchangeTerms.objects.filter(partner=partner).first()
    if terms is None:
        check_perm(request.user, "exchange.add_exchangeterms")
    form = TermsForm(request.POST or None, instance=terms, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_terms(_user(request), partner, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The exchange terms were saved."))
            return redirect("exchange:terms_detail", partner_pk=partner.pk)
    return render(request, "exchange/terms_form.html", {"form": form, "partner": partner})


# ---------------------------------------------------------------- lists


@require_perm(VIEW_LISTS)
def list_index(request: HttpRequest) -> HttpResponse:
    filters = ListFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    lists = queries.filtered_lists(kind=values.get("kind", ""), q=values.get("q", ""))
    page = Paginator(lists, PAGE_SIZE).get_page(request.GET.get("page"))
    detail_url = url_for_id("exchange:list_detail")
    rows = list(cast(QuerySet[ExchangeList], page.object_list))
    for row in rows:
        row.url = detail_url(row.pk)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "rows": rows, "query": query.urlencode()}
    if request.user.has_perm("exchange.view_shipment"):
        context["warned"] = ledger.alerting(timezone.localdate().year)
    return render(request, "exchange/list_index.html", context)


@require_perm(VIEW_LISTS, "exchange.add_exchangelist")
def list_create(request: HttpRequest) -> HttpResponse:
    form = ListForm(request.POST or None, initial={"partner": request.GET.get("partner")})
    if request.method == "POST" and form.is_valid():
        try:
            exchange_list = services.create_list(_user(request), form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The list was created."))
            return redirect("exchange:list_detail", pk=exchange_list.pk)
    return render(request, "exchange/list_form.html", {"form": form, "exchange_list": None})


@require_perm(VIEW_LISTS, CHANGE_LIST)
def list_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exchange_list = get_list_for_user(request.user, pk, CHANGE_LIST)
    form = ListForm(request.POST or None, instance=exchange_list)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_list(_user(request), queries.list_detail(pk), form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("exchange:list_detail", pk=pk)
    context = {"form": form, "exchange_list": exchange_list}
    return render(request, "exchange/list_form.html", context)


@require_perm(VIEW_LISTS)
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exchange_list = get_list_for_user(request.user, pk)
    page = Paginator(queries.list_items(exchange_list), PAGE_SIZE).get_page(request.GET.get("page"))
    can_change = request.user.has_perm(CHANGE_LIST)
    context = {
        "exchange_list": exchange_list,
        "page": page,
        "counts": queries.item_counts(exchange_list),
        "can_change": can_change,
        "can_import": can_change and request.user.has_perm(IMPORT_ITEMS),
        "activity": activity_for(exchange_list),
    }
    return render(request, "exchange/list_detail.html", context)


# ---------------------------------------------------------------- items


@require_perm(VIEW_LISTS, CHANGE_LIST)
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    exchange_list = get_list_for_user(request.user, pk, CHANGE_LIST)
    form = ItemForm(request.POST or None, exchange_list=exchange_list)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_item(_user(request), exchange_list, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The item was added."))
            if "another" in request.POST:
                return redirect("exchange:item_add", pk=pk)
            return redirect("exchange:list_detail", pk=pk)
    context = {"form": form, "exchange_list": exchange_list, "item": None}
    return render(request, "exchange/item_form.html", context)


@require_perm(VIEW_LISTS, CHANGE_LIST)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_user(request.user, pk, CHANGE_LIST)
    exchange_list = item.exchange_list
    form = ItemForm(request.POST or None, instance=item, exchange_list=exchange_list)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_item(_user(request), item, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("exchange:list_detail", pk=exchange_list.pk)
    context = {"form": form, "exchange_list": exchange_list, "item": item}
    return render(request, "exchange/item_form.html", context)


@require_POST
@require_perm(VIEW_LISTS, CHANGE_LIST)
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_user(request.user, pk, CHANGE_LIST)
    services.delete_item(_user(request), item)
    messages.success(request, _("The item was removed from the list."))
    return redirect("exchange:list_detail", pk=item.exchange_list_id)


# ---------------------------------------------------------------- import


@require_perm(VIEW_LISTS, CHANGE_LIST, IMPORT_ITEMS)
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    exchange_list = get_list_for_user(request.user, pk, CHANGE_LIST, IMPORT_ITEMS)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = read_upload(form.cleaned_data["file"])
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            UPLOAD.keep(request, data, form.cleaned_data["file"].name, list=exchange_list.pk)
            return redirect("exchange:import_confirm", pk=pk)
    context = {"form": form, "exchange_list": exchange_list, "columns": imports.COLUMNS}
    return render(request, "exchange/import.html", context)


@require_perm(VIEW_LISTS, CHANGE_LIST, IMPORT_ITEMS)
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    exchange_list = get_list_for_user(request.user, pk, CHANGE_LIST, IMPORT_ITEMS)
    path = UPLOAD.path(request, list=exchange_list.pk)
    if path is None:
        messages.error(
            request, _("The uploaded file is no longer available; please upload it again.")
        )
        return redirect("exchange:import", pk=pk)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        UPLOAD.forget(request)
        messages.info(request, _("The import was cancelled; nothing was imported."))
        return redirect("exchange:list_detail", pk=pk)
    # Checked again on confirmation: the list may have changed since the preview.
    try:
        with path.open("rb") as handle:
            plan = imports.plan_file(handle, exchange_list)
    except ImportFileError as error:
        UPLOAD.forget(request)
        context = {
            "form": UploadForm(),
            "exchange_list": exchange_list,
            "columns": imports.COLUMNS,
            "file_error": str(error),
        }
        return render(request, "exchange/import.html", context)
    name = UPLOAD.name(request)
    if request.method == "POST":
        valid_only = request.POST.get("action") == "valid"
        try:
            items = imports.import_plan(_user(request), exchange_list, plan, name, valid_only)
        except ImportBlocked as error:
            messages.error(request, str(error))
        else:
            UPLOAD.forget(request)
            messages.success(
                request,
                _("Imported: %(added)d items added, %(skipped)d rows skipped.")
                % {"added": len(items), "skipped": len(plan.invalid_rows)},
            )
            return redirect("exchange:list_detail", pk=pk)
    context = {
        "exchange_list": exchange_list,
        "plan": plan,
        "file_name": name,
        "problems": plan.problems,
        "valid_count": len(plan.valid_rows),
        "invalid_count": len(plan.invalid_rows),
    }
    return render(request, "exchange/preview.html", context)


# ---------------------------------------------------------------- portal links and orders


def get_order_for_user(user: Any, pk: int, *perms: str) -> PortalOrder:
    check_perm(user, VIEW_ORDERS, *perms)
    try:
        return PortalOrder.objects.select_related("partner").get(pk=pk)
    except PortalOrder.DoesNotExist as error:
        raise Http404 from error


@require_perm(VIEW_TERMS, VIEW_LINKS)
def portal_links(request: HttpRequest, partner_pk: int) -> HttpResponse:
    """A partner's portal links; staff make one (seen once, optionally mailed) here."""
    partner = get_partner_for_user(request.user, partner_pk, VIEW_LINKS)
    can_add = request.user.has_perm(ADD_LINK)
    form = PortalLinkForm(
        request.POST or None, initial={"days": settings.EXCHANGE_PORTAL_DAYS, "mail": True}
    )
    new_url = ""
    if request.method == "POST":
        check_perm(request.user, ADD_LINK)
        if form.is_valid():
            try:
                link, token = portal.create_link(_user(request), partner, form.cleaned_data["days"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                new_url = portal.link_url(token)
                if form.cleaned_data["mail"]:
                    _mail_link(request, link, token)
                form = PortalLinkForm(initial={"days": settings.EXCHANGE_PORTAL_DAYS, "mail": True})
    context = {
        "partner": partner,
        "links": queries.portal_links(partner),
        "form": form,
        "can_add": can_add,
        "can_revoke": request.user.has_perm(CHANGE_LINK),
        "new_url": new_url,
        "contact_email": portal.contact_email(partner),
        "now": timezone.now(),
    }
    return render(request, "exchange/portal_links.html", context)


def _mail_link(request: HttpRequest, link: PortalLink, token: str) -> None:
    try:
        address = portal.mail_link(_user(request), link, token)
    except (OSError, smtplib.SMTPException):
        messages.error(
            request,
            _("The link was made but could not be mailed; copy it below and send it yourself."),
        )
        return
    if address:
        messages.success(request, _("The link was mailed to %(address)s.") % {"address": address})
    else:
        messages.warning(
            request,
            _(
                "The partner has no exchange contact with an e-mail address; copy the link below and send it yourself."
            ),
        )


@require_POST
@require_perm(VIEW_TERMS, VIEW_LINKS, CHANGE_LINK)
def portal_link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    check_perm(request.user, VIEW_LINKS, CHANGE_LINK)
    try:
        link = PortalLink.objects.select_related("partner").get(pk=pk)
    except PortalLink.DoesNotExist as error:
        raise Http404 from error
    if portal.revoke_link(_user(request), link):
        messages.success(request, _("The link was revoked; it no longer opens the portal."))
    else:
        messages.info(request, _("This link was already revoked."))
    return redirect("exchange:portal_links", partner_pk=link.partner_id)


@require_perm(VIEW_ORDERS)
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders received from partners in the portal (and, on request, carts in progress)."""
    filters = OrderFilterForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        orders = PortalOrder.objects.none()  # the errors are shown on the filters
    else:
        values = filters.cleaned_data if filters.is_bound else {}
        partner = values.get("partner")
        orders = queries.received_orders(
            partner.pk if partner else None, values.get("status") or ""
        )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "exchange/order_list.html", context)


@require_perm(VIEW_ORDERS)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order_for_user(request.user, pk)
    context = {
        "order": order,
        "lines": queries.order_lines(order),
        "can_change": request.user.has_perm(CHANGE_ORDER),
        "activity": activity_for(order),
    }
    return render(request, "exchange/order_detail.html", context)


@require_POST
@require_perm(VIEW_ORDERS, CHANGE_ORDER)
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order_for_user(request.user, pk, CHANGE_ORDER)
    try:
        count = portal.cancel_order(_user(request), order)
    except portal.PortalRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "The order was cancelled; %(count)d item is offered again.",
                "The order was cancelled; %(count)d items are offered again.",
                count,
            )
            % {"count": count},
        )
    return redirect("exchange:order_detail", pk=pk)


@require_POST
@require_perm(VIEW_ORDERS, CHANGE_ORDER)
def line_release(request: HttpRequest, pk: int) -> HttpResponse:
    check_perm(request.user, VIEW_ORDERS, CHANGE_ORDER)
    line = OrderLine.objects.filter(pk=pk).first()
    if line is None:
        raise Http404
    try:
        portal.release_line(_user(request), line)
    except portal.PortalRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("“%(title)s” was released and is offered again.") % {"title": line.title}
        )
    return redirect("exchange:order_detail", pk=line.order_id)


# ---------------------------------------------------------------- matches


def get_match_for_user(user: Any, pk: int, *perms: str) -> MatchSuggestion:
    check_perm(user, VIEW_LISTS, *perms)
    try:
        return queries.filtered_matches().get(pk=pk)
    except MatchSuggestion.DoesNotExist as error:
        raise Http404 from error


def _match_row(match: MatchSuggestion) -> MatchSuggestion:
    """The suggestion with its reasons in the viewer's language and which item is ours."""
    match.reason_text = [  # type: ignore[attr-defined]
        describe(r.get("code", ""), r.get("params", {})) for r in match.reasons
    ]
    match.percent = round(match.score * 100)  # type: ignore[attr-defined]
    return match


@require_perm(VIEW_LISTS)
def matches(request: HttpRequest) -> HttpResponse:
    filters = MatchFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    partner, exchange_list = values.get("partner"), values.get("exchange_list")
    found = queries.filtered_matches(
        status=values.get("status", ""),
        partner=partner.pk if partner else None,
        exchange_list=exchange_list.pk if exchange_list else None,
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_match_row(m) for m in cast(QuerySet[MatchSuggestion], page.object_list)]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "back": request.get_full_path(),
        "exchange_list": exchange_list,
        "can_decide": request.user.has_perm(DECIDE_MATCHES),
    }
    template = "exchange/matches.html#rows" if request.headers.get("HX-Request") else None
    return render(request, template or "exchange/matches.html", context)


@require_POST
@require_perm(VIEW_LISTS, DECIDE_MATCHES)
def matches_find(request: HttpRequest) -> HttpResponse:
    """Match one list (``list`` in the form) or every list, then show the suggestions."""
    exchange_list = None
    if request.POST.get("list"):
        try:
            exchange_list = get_list_for_user(request.user, int(request.POST["list"]))
        except ValueError as error:
            raise Http404 from error
    # In the background: at a million offers matching takes longer than a request may.
    list_id, user_id = (exchange_list.pk if exchange_list else None), request.user.pk
    transaction.on_commit(lambda: tasks.task_exchange_match.enqueue(list_id, user_id))
    messages.success(
        request,
        _(
            "Matching has started; new suggestions appear here as soon as it is done "
            "(a few seconds for a few thousand items, about a minute for a million)."
        ),
    )
    if exchange_list is not None:
        return redirect(f"{reverse('exchange:matches')}?exchange_list={exchange_list.pk}")
    return redirect("exchange:matches")


@require_POST
@require_perm(VIEW_LISTS, DECIDE_MATCHES)
def match_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    match = get_match_for_user(request.user, pk, DECIDE_MATCHES)
    try:
        if decision == "accept":
            services.accept(_user(request), match)
        else:
            services.reject(_user(request), match)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    match = get_match_for_user(request.user, pk)
    if request.headers.get("HX-Request"):
        context = {"row": _match_row(match), "can_decide": True}
        return render(request, "exchange/matches.html#row", context)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("exchange:matches")
    return redirect(back)
