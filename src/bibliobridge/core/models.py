import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import vocab
from .enums import Action


class LogKey(models.BigAutoField):
    """The primary key of a log: a table whose rows are added and never deleted (the
    activity log, the ISO 18626 messages). On SQLite it is the row id alone, without
    AUTOINCREMENT. That keyword keeps the number of a deleted last row from being given
    again, at the price of a row of ``sqlite_sequence`` read and written with every row
    added: on an ISO 18626 message, a page of the write-ahead log in ten. A log deletes
    nothing, so its next number is always the last one plus one either way."""

    def db_type_suffix(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)


class User(AbstractUser):
    """A staff member. Language and time zone are the user's own display preferences."""

    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ActivityLog(models.Model):
    """Who changed what, when: one row for every write, written by the services."""

    id = LogKey(_("ID"), primary_key=True, serialize=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # activity_actor: people's entries only
    )
    # Kept so the log still says who acted after the account is gone.
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("object type"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # activity_object begins with it
    )
    object_id = models.CharField(_("object ID"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    # {"field": [before, after]} for updates; the full values for creations.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    # Recent activity (the home page) is read newest entry first by primary key, which
    # entries take in the order they are written: an index by time would be one more
    # entry to write on every ISO 18626 message.
    class Meta:
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")
        ordering = ["-created_at", "-id"]
        indexes = [
            # An object's history on its detail page.
            models.Index(
                fields=["content_type", "object_id", "-created_at"], name="activity_object"
            ),
            # A user's entries (and theirs to clear when the account goes). Most entries
            # are the system's (every ISO 18626 message writes one): an index entry each
            # would be written for nothing.
            models.Index(
                fields=["actor"], condition=models.Q(actor__isnull=False), name="activity_actor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.object_repr}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for /api/v1/. Only its SHA-256 is stored; it acts as its user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("key prefix"), max_length=8)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class CurrencyRate(models.Model):
    """What one unit of a currency was worth in another from a date on, as staff record it
    (from the bank or the finance office). Values in exchange ledgers and reports are
    converted at the rate in force on the day of the shipment or payment (core.money)."""

    currency = models.CharField(
        _("currency"),
        max_length=3,
        help_text=_("ISO 4217 code of the currency valued, such as USD."),
    )
    quote_currency = models.CharField(
        _("valued in"),
        max_length=3,
        help_text=_("ISO 4217 code of the currency it is valued in, such as CNY."),
    )
    rate = models.DecimalField(
        _("rate"),
        max_digits=20,
        decimal_places=8,
        help_text=_("How many units of the second currency one unit of the first is worth."),
    )
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("currency rate")
        verbose_name_plural = _("currency rates")
        ordering = ["currency", "quote_currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "quote_currency", "valid_from"], name="currency_rate_unique_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="currency_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate.normalize():f} {self.quote_currency} ({self.valid_from})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for name in ("currency", "quote_currency"):
            try:
                setattr(self, name, vocab.normalise_currency(getattr(self, name) or ""))
            except ValidationError as error:
                errors[name] = error.messages
        if not errors and self.currency == self.quote_currency:
            errors["quote_currency"] = _("A currency is not valued in itself.")
        if self.rate is not None and self.rate <= 0:
            errors["rate"] = _("A rate is more than zero.")
        if errors:
            raise ValidationError(errors)
