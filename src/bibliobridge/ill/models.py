"""ILL requests (ours to borrow, partners' to lend), their lender rota and their messages.

A request's state moves only through ``services.transition`` (the table is in
``states``). Every ISO 18626 message in and out is kept as an ``IllMessage``; an outgoing
one is written in the same transaction as the state change that sends it, and the
worker delivers it (the outbox).
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bibliobridge.core.models import LogKey
from bibliobridge.partners.enums import PaymentMethod
from bibliobridge.partners.models import Institution

from .enums import Delivery, Direction, Role, Service, State


class IllRequest(models.Model):
    role = models.CharField(_("side"), max_length=16, choices=Role.choices)
    service = models.CharField(_("service"), max_length=8, choices=Service.choices)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.NEW)
    state_changed_at = models.DateTimeField(_("state changed"), default=timezone.now)
    # Our staff must act: the state asks for it (states.ATTENTION) or something went wrong
    # (a partner's unexpected message, a message that could not be delivered).
    attention = models.BooleanField(_("needs attention"), default=False)
    attention_note = models.CharField(_("why"), max_length=500, blank=True)
    # The partner: the lender we asked (borrowing) or the library asking us (lending).
    partner = models.ForeignKey(
        Institution,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ill_requests",
    )
    # Our id for the transaction (requestingAgencyRequestId when we borrow,
    # supplyingAgencyRequestId when we lend) and the partner's.
    our_id = models.CharField(_("our request ID"), max_length=64, unique=True)
    their_id = models.CharField(_("partner's request ID"), max_length=200, blank=True)
    # What is asked for (ISO 18626 bibliographicInfo and publicationInfo).
    title = models.CharField(_("title"), max_length=1000)
    author = models.CharField(_("author"), max_length=500, blank=True)
    article_title = models.CharField(_("article or chapter title"), max_length=1000, blank=True)
    article_author = models.CharField(_("article or chapter author"), max_length=500, blank=True)
    edition = models.CharField(_("edition"), max_length=200, blank=True)
    publisher = models.CharField(_("publisher"), max_length=500, blank=True)
    place = models.CharField(_("place of publication"), max_length=200, blank=True)
    date = models.CharField(_("date of publication"), max_length=50, blank=True)
    volume = models.CharField(_("volume"), max_length=50, blank=True)
    issue = models.CharField(_("issue"), max_length=50, blank=True)
    pages = models.CharField(_("pages"), max_length=50, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=32, blank=True)
    issn = models.CharField(_("ISSN"), max_length=16, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    oclc_number = models.CharField(_("OCLC number"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=3, blank=True)
    # The reader the item is for.
    patron_name = models.CharField(_("reader"), max_length=200, blank=True)
    patron_id = models.CharField(_("reader ID"), max_length=100, blank=True)
    patron_email = models.EmailField(_("reader's e-mail"), blank=True)
    # The language of the mail the reader gets about the request.
    patron_language = models.CharField(
        _("reader's language"), max_length=10, choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )  # fmt: skip
    need_before = models.DateField(_("needed before"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    max_cost = models.DecimalField(
        _("maximum cost"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    max_cost_currency = models.CharField(_("currency"), max_length=3, blank=True)
    # What the lender said: due date, cost, its conditions, the reason for no.
    due_date = models.DateField(_("due date"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(_("currency"), max_length=3, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices, blank=True
    )
    reason_unfilled = models.CharField(_("reason not supplied"), max_length=100, blank=True)
    # How the item travels (ours when we lend, the lender's when we borrow).
    courier = models.CharField(_("courier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    # Where the lender put the copy (its link, from the ISO 18626 delivery information).
    delivery_url = models.URLField(_("copy link"), max_length=1000, blank=True)
    # Milestones, for turnaround and fill rate (set by services.transition).
    supplied_at = models.DateTimeField(_("supplied"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # A borrowing request met from our own collection after all (no partner needed).
    filled_locally = models.BooleanField(_("met from our own collection"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ILL request")
        verbose_name_plural = _("ILL requests")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("transition_illrequest", "Can act on ILL requests"),
        ]
        indexes = [
            # Worklists: needs attention / a state, newest first, per side.
            models.Index(fields=["role", "attention", "-created_at"], name="illrequest_worklist"),
            models.Index(fields=["role", "state", "-created_at"], name="illrequest_state"),
            # A partner's message names the transaction by the partner's own id.
            models.Index(fields=["partner", "their_id"], name="illrequest_partner_theirs"),
            # Each partner's load (what we borrowed from it, what it borrowed from us) for
            # the rota, counted in the index alone.
            models.Index(fields=["partner", "role"], name="illrequest_partner_role"),
        ]

    def __str__(self) -> str:
        return f"{self.our_id} {self.title[:80]}"

    def refresh_from_db(
        self, using: str | None = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        """As Django's; but a field left out of a narrow read (``sql.fetch(only=...)``),
        asked for alone, brings the rest of the row with it: one query, not one a field."""
        deferred = self.get_deferred_fields()
        if fields is not None and deferred and set(fields) <= deferred:
            fields = deferred
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class RotaEntry(models.Model):
    """One candidate lender of a borrowing request, in the order they are asked."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Not asked yet")
        ASKED = "asked", _("Asked")
        UNFILLED = "unfilled", _("Said no")
        CONDITIONS = "conditions", _("Offered conditions")
        NO_ANSWER = "no_answer", _("Did not answer")
        SKIPPED = "skipped", _("Skipped")
        SUPPLIED = "supplied", _("Supplied")

    request = models.ForeignKey(
        IllRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="rota"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    institution = models.ForeignKey(
        Institution, verbose_name=_("lender"), on_delete=models.PROTECT, related_name="+"
    )
    # Why it is here, at this place (shown to staff).
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.WAITING
    )
    asked_at = models.DateTimeField(_("asked"), null=True, blank=True)

    class Meta:
        verbose_name = _("rota entry")
        verbose_name_plural = _("rota")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="rota_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.institution}"


class IllMessage(models.Model):
    """One ISO 18626 message, received or sent, as it was on the wire."""

    id = LogKey(_("ID"), primary_key=True, serialize=False)
    request = models.ForeignKey(
        IllRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    partner = models.ForeignKey(
        Institution,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        # Messages are found by their request, never by partner: an index would cost every
        # message a write, to speed up only the check that an institution deleted has none.
        db_index=False,
    )
    # The other agency as the message names it ("ISIL:DE-1"), known or not.
    agency = models.CharField(_("agency"), max_length=120, blank=True)
    kind = models.CharField(_("message"), max_length=40)  # request, supplyingAgencyMessage...
    version = models.CharField(_("version"), max_length=8, blank=True)
    # The status or action it carries (or "Request"), and what it did to the request.
    event = models.CharField(_("status or action"), max_length=40, blank=True)
    body = models.TextField(_("message"))
    # SHA-256 of the body: the same message received twice is applied once.
    digest = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # The confirmation: the one we gave (incoming) or got (outgoing).
    message_status = models.CharField(_("answer"), max_length=8, blank=True)
    error_type = models.CharField(_("error"), max_length=64, blank=True)
    error_value = models.TextField(_("error detail"), blank=True)
    confirmation = models.TextField(_("confirmation"), blank=True)
    # Outgoing only: the outbox.
    delivery = models.CharField(
        _("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.NONE
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("ISO 18626 message")
        verbose_name_plural = _("ISO 18626 messages")
        ordering = ["created_at", "id"]
        indexes = [
            # The outbox: what is due to be sent. Only messages waiting to go are in it, not
            # every message received.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivery=Delivery.PENDING),
                name="illmessage_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "digest"],
                condition=models.Q(direction="in") & ~models.Q(digest=""),
                name="illmessage_received_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.kind} {self.event}"


class IllPeer(models.Model):
    """How a partner's ISO 18626 server proves itself to ours.

    The partner sends the secret we gave it as ``Authorization: Bearer <secret>`` (or as the
    securityCode of requestingAgencyAuthentication). Only a SHA-256 of it is kept: the
    secret is random and long, so a slow password hash would only slow every message.
    """

    institution = models.OneToOneField(
        Institution, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="ill_peer"
    )
    secret_sha256 = models.CharField(_("secret (SHA-256)"), max_length=64, blank=True)
    # The credential the partner gave us for its own server (sent as a Bearer token), as
    # a SUSHI key is kept: it is the partner's, not one of ours.
    outbound_secret = models.CharField(_("credential for the partner's server"), max_length=200,
                                       blank=True)  # fmt: skip
    # Addresses or networks ("203.0.113.0/24") its messages may come from; empty: any.
    allowed_ips = models.JSONField(_("allowed addresses"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ISO 18626 peer")
        verbose_name_plural = _("ISO 18626 peers")

    def __str__(self) -> str:
        return str(self.institution)


def copy_path(instance: "CopyLink", filename: str) -> str:
    # Never the uploader's file name: a random one, under the request.
    return f"ill/copies/{instance.request_id}/{uuid.uuid4().hex}.pdf"


class CopyLink(models.Model):
    """A scan we supply, behind an expiring link: so many views, so many days, then purged."""

    request = models.ForeignKey(
        IllRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="copies"
    )
    file = models.FileField(_("file"), upload_to=copy_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    # Only a hash of the token in the link is kept: the database alone cannot open it.
    token_sha256 = models.CharField(_("link token (SHA-256)"), max_length=64, unique=True)
    views_left = models.PositiveSmallIntegerField(_("views left"))
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    purged_at = models.DateTimeField(_("purged"), null=True, blank=True)

    class Meta:
        verbose_name = _("copy link")
        verbose_name_plural = _("copy links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class CopyrightRecord(models.Model):
    """What copyright law asks us to keep about a copy we borrow, for so many years.

    It outlives the request (which may be deleted) until the daily task purges it.
    """

    request = models.ForeignKey(
        IllRequest, verbose_name=_("request"), on_delete=models.SET_NULL, null=True,
        related_name="copyright_records",
    )  # fmt: skip
    profile = models.CharField(_("copyright profile"), max_length=16)
    # The journal (its ISSN, else its folded title) and the year the article appeared.
    journal = models.CharField(_("journal"), max_length=300, blank=True)
    published = models.PositiveSmallIntegerField(_("year published"), null=True, blank=True)
    # The reader's declaration as shown to them, when the profile asks for one.
    declaration = models.TextField(_("declaration"), blank=True)
    reader = models.CharField(_("reader"), max_length=200, blank=True)
    # Which copy of this journal this is in its calendar year (CONTU's "rule of five").
    number_this_year = models.PositiveIntegerField(_("copy of this journal this year"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("copyright record")
        verbose_name_plural = _("copyright records")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["profile", "journal", "created_at"], name="copyright_journal")
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.journal} {self.created_at:%Y}"
