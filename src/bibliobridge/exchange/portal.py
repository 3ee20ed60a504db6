"""Every write of the partner portal: links, the cart, orders, and the mail about them.

A partner opens the portal with a private link (no staff account): a random token of
which only the SHA-256 is stored. Adding an item to the cart reserves it for the partner
at once (exchange.reservations); the cart's items are held for EXCHANGE_CART_HOURS after
the partner last added one, then given back (``expire_carts``, run as any portal page
opens and by ``task_exchange_carts``, which adding an item queues for when the hold runs
out). Submitting the cart makes it an order, and the partner's exchange contact is mailed
a confirmation in the partner's language.

Portal writes have no staff actor (``actor`` None); the history says "… in portal".
"""

import datetime as dt
import secrets
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from bibliobridge.core.enums import Action
from bibliobridge.core.models import User, hash_token
from bibliobridge.core.services import log_activity
from bibliobridge.core.tasks import queue_once
from bibliobridge.partners.enums import ContactRole
from bibliobridge.partners.models import Contact, Institution

from . import reservations
from .enums import ItemStatus, ListKind, OrderStatus
from .models import ExchangeTerms, ListItem, OrderLine, PortalLink, PortalOrder

# A link is not marked as used more often than this (each page would otherwise write).
TOUCH_EVERY = dt.timedelta(minutes=5)
MAX_LINK_DAYS = 366
# The key of a cart's or order's items in its history ("items" would hide the changes
# from the history template, which reads changes.items).
LINE = "order line"


class PortalRefused(Exception):
    """What the partner asked cannot be done; the message says why, in its language."""


class QuotaReached(PortalRefused):
    pass


# ---------------------------------------------------------------- language


def partner_language(code: str) -> str:
    """The site language to write to a partner in: Chinese or English (the default)."""
    return "zh-hans" if (code or "").lower() in {"zh", "chi", "zho"} else "en"


def language_of(partner: Institution) -> str:
    terms = ExchangeTerms.objects.filter(partner=partner).only("language").first()
    return partner_language(terms.language if terms else "")


def contact_email(partner: Institution) -> str:
    """The address of the partner's exchange contact: the one its terms name, else any
    contact of the partner in the exchange role; empty when there is none."""
    terms = ExchangeTerms.objects.filter(partner=partner).select_related("contact").first()
    if terms is not None and terms.contact is not None and terms.contact.email:
        return terms.contact.email
    contact = (
        Contact.objects.filter(institution=partner, role=ContactRole.EXCHANGE)
        .exclude(email="")
        .order_by("name")
        .first()
    )
    return contact.email if contact else ""


# ---------------------------------------------------------------- links


def link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("exchange:portal", args=[token])


@transaction.atomic
def create_link(actor: User, partner: Institution, days: int) -> tuple[PortalLink, str]:
    """A new link for the partner, valid for ``days``; returns it and its token, which is
    shown (or mailed) once and never stored."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError(
            {"days": _("A link lasts from 1 to %(max)d days.") % {"max": MAX_LINK_DAYS}}
        )
    token = secrets.token_urlsafe(32)
    link = PortalLink.objects.create(
        partner=partner,
        token_sha256=hash_token(token),
        expires_at=timezone.now() + dt.timedelta(days=days),
        created_by=actor,
    )
    log_activity(actor, Action.CREATED, link, {"expires_at": [None, link.expires_at.isoformat()]})
    return link, token


@transaction.atomic
def revoke_link(actor: User, link: PortalLink) -> bool:
    """Revoke the link at once; False if it was revoked already."""
    now = timezone.now()
    if not PortalLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=now):
        return False
    link.revoked_at = now
    log_activity(actor, Action.UPDATED, link, {"revoked_at": [None, now.isoformat()]}, "revoke")
    return True


def mail_link(actor: User, link: PortalLink, token: str) -> str:
    """Mail the link to the partner's exchange contact, in the partner's language; returns
    the address, or "" when the partner has no exchange contact with an address.

    Called after the link's transaction has committed; the token is never queued or stored.
    """
    address = contact_email(link.partner)
    if not address:
        return ""
    context = {
        "partner": link.partner,
        "url": link_url(token),
        "expires_at": link.expires_at,
        "cart_hours": settings.EXCHANGE_CART_HOURS,
    }
    _send(language_of(link.partner), "link", context, address)
    with transaction.atomic():
        PortalLink.objects.filter(pk=link.pk).update(mailed_to=address)
        link.mailed_to = address
        log_activity(actor, Action.UPDATED, link, {"mailed_to": ["", address]}, "mail")
    return address


def open_link(token: str) -> PortalLink | None:
    """The link a token names, live or not (the view tells the partner which), or None
    for a token that is not ours."""
    if not token or len(token) > 200:
        return None
    link = (
        PortalLink.objects.select_related("partner").filter(token_sha256=hash_token(token)).first()
    )
    if link is not None and link.is_live():
        now = timezone.now()
        if link.last_used_at is None or link.last_used_at < now - TOUCH_EVERY:
            PortalLink.objects.filter(pk=link.pk).update(last_used_at=now)
            link.last_used_at = now
    return link


# ---------------------------------------------------------------- cart


def year_start(now: dt.datetime | None = None) -> dt.datetime:
    """1 January of this year where the library is (quotas run by calendar year)."""
    local = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def quota_left(partner: Institution) -> int | None:
    """How many more items the partner may have this year under its terms (items we send
    a year), counting those reserved for it or sent to it since 1 January; None for no
    limit."""
    terms = ExchangeTerms.objects.filter(partner=partner).only("quota_sent").first()
    if terms is None or terms.quota_sent is None:
        return None
    used = ListItem.objects.filter(
        reserved_for=partner,
        reserved_at__gte=year_start(),
        status__in=[ItemStatus.RESERVED, ItemStatus.SENT],
    ).count()
    return max(0, terms.quota_sent - used)


def _locked_cart(partner: Institution) -> PortalOrder:
    """The partner's cart, made if needed, locked: one partner's clicks go one at a time
    (the quota is counted and used in one step)."""
    cart, _created = PortalOrder.objects.get_or_create(partner=partner, status=OrderStatus.CART)
    return PortalOrder.objects.select_for_update().get(pk=cart.pk)


@transaction.atomic
def add_to_cart(partner: Institution, item_id: int) -> OrderLine:
    """Reserve one of our offered items for the partner and put it in its cart.

    Raises reservations.ItemsTaken when another partner has it (or it is gone),
    QuotaReached when the partner's yearly quota is used up, and PortalRefused for an
    item that is not on our offer. Nothing is changed then.
    """
    item = (
        ListItem.objects.filter(
            pk=item_id, exchange_list__partner__isnull=True, exchange_list__kind=ListKind.OFFER
        )
        .only("pk", "title", "author", "year", "isbn", "exchange_list_id")
        .first()
    )
    if item is None:
        raise PortalRefused(_("This item is not on our offer."))
    cart = _locked_cart(partner)
    left = quota_left(partner)
    if left is not None and left <= 0:
        terms_quota = ExchangeTerms.objects.get(partner=partner).quota_sent
        raise QuotaReached(
            ngettext(
                "Your yearly quota of %(count)d item is reached; nothing more can be "
                "reserved this year.",
                "Your yearly quota of %(count)d items is reached; nothing more can be "
                "reserved this year.",
                terms_quota or 0,
            )
            % {"count": terms_quota}
        )
    reservations.reserve([item], partner)
    line = OrderLine.objects.create(
        order=cart, item=item, title=item.title, author=item.author, year=item.year, isbn=item.isbn
    )
    log_activity(None, Action.UPDATED, cart, {LINE: [None, str(line)]}, "add in portal")
    # The worker gives the cart back when its hold runs out, if no page opens before.
    transaction.on_commit(partial(queue_once, task_exchange_carts, _hold_ends(line.added_at)))
    return line


def _hold_ends(last_added: dt.datetime) -> dt.datetime:
    return last_added + dt.timedelta(hours=settings.EXCHANGE_CART_HOURS, seconds=1)


@transaction.atomic
def remove_from_cart(partner: Institution, line_id: int) -> OrderLine | None:
    """Give back an item from the partner's cart; None if it is not there (any more)."""
    line = (
        OrderLine.objects.select_for_update()
        .filter(
            pk=line_id,
            order__partner=partner,
            order__status=OrderStatus.CART,
            released_at__isnull=True,
        )
        .first()
    )
    if line is None:
        return None
    _release_lines(None, [line], partner, "remove")
    log_activity(None, Action.UPDATED, line.order, {LINE: [str(line), None]}, "remove in portal")
    return line


def _release_lines(
    actor: User | None, lines: list[OrderLine], partner: Institution, event: str
) -> None:
    now = timezone.now()
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(released_at=now)
    for line in lines:
        line.released_at = now
    reservations.release(
        [line.item_id for line in lines if line.item_id], actor, partner=partner, event=event
    )


@transaction.atomic
def submit_cart(partner: Institution, note: str = "") -> PortalOrder:
    """The cart becomes an order; the partner's exchange contact is mailed after commit.

    Raises PortalRefused when the cart is empty (or its hold ran out).
    """
    cart = (
        PortalOrder.objects.select_for_update()
        .filter(partner=partner, status=OrderStatus.CART)
        .first()
    )
    now = timezone.now()
    if cart is not None:
        # Items given back other than through the cart (released by staff, or removed from
        # their list) are not ordered.
        cart.lines.filter(released_at__isnull=True).exclude(
            item__status=ItemStatus.RESERVED, item__reserved_for=partner
        ).update(released_at=now)
    if cart is None or not cart.lines.filter(released_at__isnull=True).exists():
        raise PortalRefused(_("Your cart is empty: add the items you would like first."))
    # Given-back lines stay on the cart's record only; the order holds what was chosen.
    cart.lines.filter(released_at__isnull=False).delete()
    cart.status, cart.submitted_at, cart.note = OrderStatus.SUBMITTED, now, note.strip()
    cart.save(update_fields=["status", "submitted_at", "note"])
    log_activity(
        None,
        Action.TRANSITIONED,
        cart,
        {"status": [OrderStatus.CART, OrderStatus.SUBMITTED]},
        "submit in portal",
    )
    transaction.on_commit(partial(task_exchange_order_mail.enqueue, cart.pk))
    return cart


def expire_carts(now: dt.datetime | None = None) -> int:
    """Give back the items of every cart untouched for EXCHANGE_CART_HOURS; returns how
    many items were given back.

    Run as each portal page opens, so it first only reads (one indexed query) and writes
    only when a cart has run out.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.EXCHANGE_CART_HOURS)
    stale = list(
        PortalOrder.objects.filter(status=OrderStatus.CART)
        .annotate(last=Max("lines__added_at", filter=Q(lines__released_at__isnull=True)))
        .filter(last__lt=cutoff)
        .values_list("pk", flat=True)
    )
    count = 0
    for cart_id in stale:
        with transaction.atomic():
            cart = (
                PortalOrder.objects.select_for_update()
                .select_related("partner")
                .filter(pk=cart_id, status=OrderStatus.CART)
                .first()
            )
            lines = list(
                OrderLine.objects.select_for_update().filter(order_id=cart_id, released_at=None)
            )
            # Checked again under the lock: the partner may have just added an item.
            if cart is None or not lines or max(line.added_at for line in lines) >= cutoff:
                continue
            _release_lines(None, lines, cart.partner, "cart expired")
            log_activity(None, Action.UPDATED, cart, {LINE: [len(lines), 0]}, "cart expired")
            count += len(lines)
    return count


# ---------------------------------------------------------------- staff


@transaction.atomic
def release_line(actor: User, line: OrderLine) -> None:
    """Staff give back one item of an order (or a cart). Raises PortalRefused when the item
    was already given back or has been sent."""
    line = (
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("order__partner")
        .get(pk=line.pk)
    )
    if line.released_at is not None:
        raise PortalRefused(_("“%(title)s” was already given back.") % {"title": line.title})
    if line.item_id and ListItem.objects.filter(pk=line.item_id, status=ItemStatus.SENT).exists():
        raise PortalRefused(
            _("“%(title)s” has been sent; it can no longer be released.") % {"title": line.title}
        )
    _release_lines(actor, [line], line.order.partner, "release")
    log_activity(actor, Action.UPDATED, line.order, {LINE: [str(line), None]}, "release")


@transaction.atomic
def cancel_order(actor: User, order: PortalOrder) -> int:
    """Cancel a submitted order and give back its items not yet sent; returns how many.

    Raises PortalRefused when the order is not submitted (cancelled already, or a cart).
    """
    now = timezone.now()
    if not PortalOrder.objects.filter(pk=order.pk, status=OrderStatus.SUBMITTED).update(
        status=OrderStatus.CANCELLED, cancelled_at=now
    ):
        raise PortalRefused(_("Only a submitted order can be cancelled."))
    order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    lines = list(
        OrderLine.objects.select_for_update(of=("self",))
        .filter(order=order, released_at__isnull=True)
        .exclude(item__status=ItemStatus.SENT)
    )
    _release_lines(actor, lines, order.partner, "order cancelled")
    log_activity(
        actor,
        Action.TRANSITIONED,
        order,
        {"status": [OrderStatus.SUBMITTED, OrderStatus.CANCELLED]},
        "cancel",
    )
    return len(lines)


# ---------------------------------------------------------------- mail and tasks


def _send(language: str, kind: str, context: dict, address: str) -> None:
    """One mail in the partner's language and time zone, signed with our library's name
    in that language."""
    home = Institution.objects.filter(is_home=True).first()
    with translation.override(language), timezone.override(context["partner"].zone):
        context = {**context, "library": home.display_name(language) if home else ""}
        subject = " ".join(render_to_string(f"exchange/mail/{kind}_subject.txt", context).split())
        body = render_to_string(f"exchange/mail/{kind}_body.txt", context)
    send_mail(subject, body, None, [address])


@task()
def task_exchange_order_mail(order_id: int) -> int:
    """Mail the partner its order's confirmation; returns how many mails went out."""
    order = PortalOrder.objects.select_related("partner").filter(pk=order_id).first()
    if order is None or order.status != OrderStatus.SUBMITTED:
        return 0
    address = contact_email(order.partner)
    if not address:
        return 0
    lines = list(order.lines.filter(released_at__isnull=True))
    language = language_of(order.partner)
    context = {"order": order, "lines": lines, "partner": order.partner}
    _send(language, "order", context, address)
    return 1


@task()
def task_exchange_carts() -> int:
    """Give back the items of carts whose hold ran out (see expire_carts); then come back
    when the next cart's hold runs out."""
    given_back = expire_carts()
    holds = (
        PortalOrder.objects.filter(status=OrderStatus.CART)
        .annotate(last=Max("lines__added_at", filter=Q(lines__released_at__isnull=True)))
        .exclude(last=None)
        .values_list("last", flat=True)
    )
    if holds:
        queue_once(task_exchange_carts, _hold_ends(min(holds)))
    return given_back
