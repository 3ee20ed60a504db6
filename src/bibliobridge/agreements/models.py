import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from bibliobridge.core import vocab
from bibliobridge.core.enums import choice_label
from bibliobridge.partners.models import Institution

from .enums import (
    AgreementStatus,
    AgreementType,
    ConditionKind,
    DeadlineKind,
    Direction,
    DocumentKind,
    PartyRole,
    Period,
    Unit,
)


def notice_date_of(expiry: dt.date | None, notice_days: int | None) -> dt.date | None:
    """The last day to give notice: notice_days before expiry (None without both)."""
    if expiry and notice_days:
        return expiry - dt.timedelta(days=notice_days)
    return None


class Agreement(models.Model):
    """A cooperation agreement: the current version. Earlier versions are AgreementVersion rows."""

    type = models.CharField(_("type"), max_length=32, choices=AgreementType.choices)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_agreements",
        help_text=_("Receives the reminders."),
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    renewal_months = models.PositiveIntegerField(_("renewal term (months)"), null=True, blank=True)
    notice_days = models.PositiveIntegerField(
        _("notice period (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Days before expiry by which notice of termination or non-renewal must be given."
        ),
    )
    # Kept by save() from expiry_date and notice_days, so deadlines are found by index.
    notice_date = models.DateField(_("notice deadline"), null=True, blank=True, editable=False)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("transition_agreement", _("Can change the status of agreements")),
            ("export_agreements", _("Can export agreements")),
        ]
        indexes = [
            # Reminders and the expiry calendar: live agreements by expiry date. The title
            # makes the index cover queries.deadline_rows() (ordered by day, then title):
            # without it SQLite read every row of the next 90 days' deadlines to count them.
            models.Index(fields=["status", "expiry_date", "title"], name="agreement_expiry"),
            models.Index(fields=["status", "notice_date", "title"], name="agreement_notice"),
            # The agreement list filtered by type.
            models.Index(fields=["type", "status"], name="agreement_type"),
            # The agreement list's default order.
            models.Index(fields=["-updated_at", "-id"], name="agreement_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiry_date__isnull=True)
                | models.Q(effective_date__isnull=True)
                | models.Q(expiry_date__gte=models.F("effective_date")),
                name="agreement_expiry_after_effective",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.notice_date = self.notice_deadline
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"expiry_date", "notice_days"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "notice_date"}
        super().save(*args, **kwargs)

    @property
    def notice_deadline(self) -> dt.date | None:
        return notice_date_of(self.expiry_date, self.notice_days)

    # For lists: get_type_display() and get_status_display() translate every choice's
    # label at each call.
    def type_label(self) -> str:
        return choice_label(AgreementType, self.type)

    def status_label(self) -> str:
        return choice_label(AgreementStatus, self.status)

    def deadlines(self) -> list[tuple[str, dt.date]]:
        found = []
        if self.expiry_date:
            found.append((DeadlineKind.EXPIRY.value, self.expiry_date))
        if self.notice_deadline:
            found.append((DeadlineKind.NOTICE.value, self.notice_deadline))
        return found


class AgreementParty(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="parties"
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    reference = models.CharField(_("reference number"), max_length=100, blank=True)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "institution"], name="unique_agreement_party"
            )
        ]

    def __str__(self) -> str:
        return str(self.institution)


class Condition(models.Model):
    """A term of the agreement, often a yearly quota: “2 persons × 14 days per year”."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="conditions"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ConditionKind.choices)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, blank=True)
    # The second factor of a product, as in 2 persons × 14 days.
    per_quantity = models.DecimalField(
        _("each for"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    per_unit = models.CharField(
        _("each for (unit)"), max_length=16, choices=Unit.choices, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[vocab.validate_currency]
    )
    period = models.CharField(
        _("period"), max_length=8, choices=Period.choices, default=Period.YEAR
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.EACH_WAY
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.describe()}"

    def describe(self) -> str:
        parts = []
        if self.quantity is not None:
            parts.append(_amount(self.quantity, self.unit, self.currency))
        if self.per_quantity is not None:
            parts.append("× " + _amount(self.per_quantity, self.per_unit, ""))
        parts.append(str(self.get_period_display()))
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(parts)


def _amount(value: Decimal, unit: str, currency: str) -> str:
    shown = number_format(
        value.normalize() if value == value.to_integral() else value, use_l10n=True
    )
    if unit == Unit.MONEY:
        return f"{shown} {currency}".strip()
    return f"{shown} {Unit(unit).label}" if unit else shown


class AgreementVersion(models.Model):
    """An earlier version of an agreement, kept readable after an amendment."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    # The agreement's fields, parties and conditions as they were.
    content = models.JSONField(_("content"))
    reason = models.TextField(_("reason for amendment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("amended by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("amended"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="unique_agreement_version")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


def document_path(instance: "AgreementDocument", filename: str) -> str:
    # The stored name is the fingerprint; the original name is kept in the row.
    return f"agreements/{instance.agreement_id}/{instance.sha256}.pdf"


class AgreementDocument(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="documents"
    )
    version = models.PositiveIntegerField(_("agreement version"))
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title or self.original_name


class Reminder(models.Model):
    """A reminder sent for one deadline at one lead time; the row makes sending idempotent."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("deadline"), max_length=8, choices=DeadlineKind.choices)
    deadline = models.DateField(_("date"))
    days_before = models.PositiveIntegerField(_("days before"))
    recipient = models.EmailField(_("recipient"), blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind", "deadline", "days_before"], name="unique_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} {self.kind} {self.deadline} −{self.days_before}"
