"""The partner portal: our exchange offer, chosen by a partner without a staff account.

The token in the address is the credential (exchange.portal); every page looks it up
again, so a revoked or expired link stops at once. A page shows only the partner's own
cart and orders: other partners appear nowhere, and an item someone else took is simply
"no longer available". The page speaks the partner's language (its exchange terms') until
the visitor chooses another with the language switch.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bibliobridge.core import vocab

from . import portal, queries, reservations
from .forms import CartSubmitForm, PortalFilterForm
from .models import PortalLink

PAGE_SIZE = 25


def portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The link for the token in the address, or the page saying the link does not work:
    404 for a token that is not ours, 403 for one that expired or was revoked (the same
    words for both, naming no partner)."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        link = portal.open_link(token)
        if link is None or not link.is_live():
            response = render(
                request, "exchange/portal/ended.html", status=404 if link is None else 403
            )
        else:
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(portal.language_of(link.partner))
                request.LANGUAGE_CODE = translation.get_language()
            portal.expire_carts()
            timezone.activate(link.partner.zone)
            response = view(request, link, token, *args, **kwargs)
        # The address is a credential: not cached, not indexed.
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def _context(link: PortalLink, token: str, **extra: Any) -> dict[str, Any]:
    return {
        "partner": link.partner,
        "token": token,
        "cart_count": queries.cart_lines(link.partner).count(),
        **extra,
    }


def _posted_id(request: HttpRequest, name: str) -> int | None:
    """A row id from the form, or None for anything that cannot be one (a number too
    large for the database would otherwise fail in the query)."""
    value = request.POST.get(name, "")
    if not value.isdigit() or not 0 < int(value) < 2**63:
        return None
    return int(value)


def _back(request: HttpRequest, token: str) -> HttpResponse:
    """To the page the partner came from (one of its portal pages), else the offer."""
    home = reverse("exchange:portal", args=[token])
    back = request.POST.get("next", "")
    if back.startswith(home) and url_has_allowed_host_and_scheme(
        back, {request.get_host()}, request.is_secure()
    ):
        return redirect(back)
    return redirect(home)


@portal_page
def browse(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    """/exchange/portal/<token>/: our offer, searched and filtered."""
    choices = queries.portal_filter_choices()
    filters = PortalFilterForm(request.GET or None, choices=choices)
    values = filters.cleaned_data if filters.is_valid() else {}
    offer = queries.portal_offer(
        q=values.get("q") or "",
        language=values.get("language") or "",
        year=values.get("year"),
        list_id=values.get("exchange_list"),
    )
    page = Paginator(offer, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for row in rows:
        row.language_name = vocab.language_name(row.language)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = _context(
        link,
        token,
        filters=filters,
        page=page,
        rows=rows,
        query=query.urlencode(),
        here=request.get_full_path(),
        quota_left=portal.quota_left(link.partner),
    )
    return render(request, "exchange/portal/browse.html", context)


@require_POST
@portal_page
def cart_add(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    item_id = _posted_id(request, "item")
    if item_id is None:
        messages.error(request, _("Choose an item from the list."))
        return _back(request, token)
    try:
        line = portal.add_to_cart(link.partner, item_id)
    except (reservations.ItemsTaken, portal.PortalRefused) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("“%(title)s” is reserved for you and in your cart.") % {"title": line.title},
        )
    return _back(request, token)


@portal_page
def cart(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    lines = list(queries.cart_lines(link.partner))
    held_until = (
        max(line.added_at for line in lines) + dt.timedelta(hours=settings.EXCHANGE_CART_HOURS)
        if lines
        else None
    )
    context = _context(
        link,
        token,
        lines=lines,
        form=CartSubmitForm(),
        held_until=held_until,
        cart_hours=settings.EXCHANGE_CART_HOURS,
    )
    return render(request, "exchange/portal/cart.html", context)


@require_POST
@portal_page
def cart_remove(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    line_id = _posted_id(request, "line")
    line = portal.remove_from_cart(link.partner, line_id) if line_id else None
    if line is None:
        messages.error(request, _("That item is no longer in your cart."))
    else:
        messages.success(
            request, _("“%(title)s” was removed from your cart.") % {"title": line.title}
        )
    return _back(request, token)


@require_POST
@portal_page
def cart_submit(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    form = CartSubmitForm(request.POST)
    if not form.is_valid():
        lines = list(queries.cart_lines(link.partner))
        context = _context(
            link,
            token,
            lines=lines,
            form=form,
            held_until=None,
            cart_hours=settings.EXCHANGE_CART_HOURS,
        )
        return render(request, "exchange/portal/cart.html", context, status=400)
    try:
        order = portal.submit_cart(link.partner, form.cleaned_data["note"])
    except portal.PortalRefused as error:
        messages.error(request, str(error))
        return redirect("exchange:portal_cart", token=token)
    messages.success(
        request,
        _(
            "Thank you: your order %(number)s was submitted. A confirmation is on its way to your exchange contact."
        )
        % {"number": order.pk},
    )
    return redirect("exchange:portal_order", token=token, pk=order.pk)


@portal_page
def orders(request: HttpRequest, link: PortalLink, token: str) -> HttpResponse:
    context = _context(link, token, orders=queries.partner_orders(link.partner))
    return render(request, "exchange/portal/orders.html", context)


@portal_page
def order(request: HttpRequest, link: PortalLink, token: str, pk: int) -> HttpResponse:
    found = queries.partner_orders(link.partner).filter(pk=pk).first()
    if found is None:
        raise Http404
    context = _context(
        link, token, order=found, lines=list(found.lines.select_related("item").order_by("id"))
    )
    return render(request, "exchange/portal/order.html", context)
