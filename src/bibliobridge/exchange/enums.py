from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ExchangeKind(models.TextChoices):
    """How an exchange with a partner is balanced (the kinds librarians name them by)."""

    PIECE_FOR_PIECE = "piece_for_piece", _("Piece for piece")
    PRICED = "priced", _("Priced (value for value)")
    BLANKET = "blanket", _("Blanket")
    SELECTIVE = "selective", _("Selective")


class PostagePaidBy(models.TextChoices):
    SENDER = "sender", _("Each side pays for what it sends")
    US = "us", _("Our library pays both ways")
    PARTNER = "partner", _("The partner pays both ways")


class ListKind(models.TextChoices):
    OFFER = "offer", pgettext_lazy("exchange list kind", "Offer list")
    WANT = "want", pgettext_lazy("exchange list kind", "Want list")


class ItemStatus(models.TextChoices):
    """Where an offered item stands; wanted items have no status."""

    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    SENT = "sent", pgettext_lazy("exchange item status", "Sent")


class MatchStatus(models.TextChoices):
    """Where a suggested pair of a wanted and an offered item stands."""

    SUGGESTED = "suggested", pgettext_lazy("match status", "Suggested")
    ACCEPTED = "accepted", pgettext_lazy("match status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("match status", "Rejected")
