"""Sending what the state changes queued: each message to its partner, in order, once.

A message is claimed before it is sent (its next attempt moved ahead, compare-and-set),
so two workers never send it at the same time; a worker killed mid-send leaves it
claimed until the claim lapses, and the next worker sends it again — the partner's side
applies a resend once (ours does: ``receive`` keys messages by their SHA-256). A
request's messages go out in the order they were written: a later one waits while an
earlier one is still pending. A partner that answers 5xx, times out or cannot be reached
is tried again with growing pauses; after MAX_ATTEMPTS the message is marked not
delivered and the request as needing attention. A partner's ERROR confirmation is final.
"""

import datetime as dt
import logging

import httpx
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from bibliobridge.core import http

from . import iso18626 as proto
from . import services
from .enums import Delivery
from .models import IllMessage, IllPeer
from .outgoing import endpoint

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Pause before attempt n+1: 30 s, 1 min, 2 min ... up to 6 h.
FIRST_PAUSE = dt.timedelta(seconds=30)
LONGEST_PAUSE = dt.timedelta(hours=6)
# How long a claimed message is left to the worker that claimed it.
CLAIM = dt.timedelta(minutes=2)


def pause(attempts: int) -> dt.timedelta:
    return min(FIRST_PAUSE * (2 ** max(attempts - 1, 0)), LONGEST_PAUSE)


def due(limit: int = 100) -> list[IllMessage]:
    """Pending messages whose time has come and that no earlier message of theirs blocks."""
    earlier = IllMessage.objects.filter(
        request=OuterRef("request"), delivery=Delivery.PENDING, id__lt=OuterRef("id")
    )
    return list(
        IllMessage.objects.filter(delivery=Delivery.PENDING, next_attempt_at__lte=timezone.now())
        .exclude(Exists(earlier))
        .select_related("partner", "request")
        .order_by("id")[:limit]
    )


def send_due(limit: int = 100) -> int:
    """Send what is due; returns how many were delivered."""
    delivered = 0
    with http.client(timeout=settings.ILL_SEND_TIMEOUT_SECONDS) as client:
        for message in due(limit):
            if _claim(message) and _send(client, message):
                delivered += 1
    return delivered


def _claim(message: IllMessage) -> bool:
    claimed = IllMessage.objects.filter(
        pk=message.pk, delivery=Delivery.PENDING, next_attempt_at=message.next_attempt_at
    ).update(next_attempt_at=timezone.now() + CLAIM, attempts=message.attempts + 1)
    message.attempts += 1
    return claimed == 1


def _send(client: httpx.Client, message: IllMessage) -> bool:
    url, _version = endpoint(message.partner)
    if not url:
        _give_up(message, "the partner has no ISO 18626 endpoint in the directory")
        return False
    peer = IllPeer.objects.filter(institution=message.partner).first()
    headers = {"Content-Type": "application/xml; charset=utf-8"}
    if peer is not None and peer.outbound_secret:
        headers["Authorization"] = f"Bearer {peer.outbound_secret}"
    try:
        response = client.post(url, content=message.body.encode("utf-8"), headers=headers)
    except httpx.HTTPError as error:
        _later(message, f"{type(error).__name__}: {error}")
        return False
    if response.status_code >= 500 or response.status_code in (408, 429):
        _later(message, f"HTTP {response.status_code}")
        return False
    try:
        confirmation = proto.parse_confirmation(response.content)
    except proto.ProtocolError as error:
        _give_up(message, f"HTTP {response.status_code}, no confirmation: {error.detail}")
        return False
    IllMessage.objects.filter(pk=message.pk).update(
        delivery=Delivery.SENT if confirmation.ok else Delivery.FAILED,
        sent_at=timezone.now(),
        message_status=confirmation.message_status,
        error_type=confirmation.error_type,
        error_value=confirmation.error_value,
        confirmation=response.content.decode("utf-8", errors="replace"),
        last_error="",
    )
    if not confirmation.ok and message.request is not None:
        refusal = f"{confirmation.error_type} {confirmation.error_value}".strip()
        services.flag(
            message.request,
            _("%(partner)s refused our %(event)s: %(error)s")
            % {"partner": message.partner, "event": message.event, "error": refusal},
        )
    return confirmation.ok


def _later(message: IllMessage, error: str) -> None:
    if message.attempts >= MAX_ATTEMPTS:
        _give_up(message, error)
        return
    logger.info("ILL message %s not delivered (%s); trying again", message.pk, error)
    IllMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + pause(message.attempts), last_error=error[:500]
    )


def _give_up(message: IllMessage, error: str) -> None:
    IllMessage.objects.filter(pk=message.pk).update(
        delivery=Delivery.FAILED, last_error=error[:500], next_attempt_at=None
    )
    if message.request is not None:
        services.flag(
            message.request,
            _("%(event)s could not be delivered: %(error)s")
            % {"event": message.event, "error": error},
        )
