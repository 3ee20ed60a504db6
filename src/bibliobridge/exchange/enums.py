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


class Direction(models.TextChoices):
    OUTGOING = "out", pgettext_lazy("shipment direction", "Sent to the partner")
    INCOMING = "in", pgettext_lazy("shipment direction", "Received from the partner")


class ShipmentStatus(models.TextChoices):
    """Where a shipment stands. Ours go prepared → shipped → delivered → acknowledged (or
    are cancelled while prepared); a partner's go received → checked → acknowledged."""

    PREPARED = "prepared", pgettext_lazy("shipment status", "Prepared")
    SHIPPED = "shipped", pgettext_lazy("shipment status", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("shipment status", "Delivered")
    RECEIVED = "received", pgettext_lazy("shipment status", "Received")
    CHECKED = "checked", pgettext_lazy("shipment status", "Checked")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("shipment status", "Acknowledged")
    CANCELLED = "cancelled", pgettext_lazy("shipment status", "Cancelled")


class CheckResult(models.TextChoices):
    """What the check of an incoming shipment found for one line of its packing list."""

    RECEIVED = "received", pgettext_lazy("receipt check", "Received")
    MISSING = "missing", pgettext_lazy("receipt check", "Missing")
    DAMAGED = "damaged", pgettext_lazy("receipt check", "Damaged")
    EXTRA = "extra", pgettext_lazy("receipt check", "Extra item (not on the packing list)")


class ClaimStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("claim status", "Open")
    SENT = "sent", pgettext_lazy("claim status", "Sent")
    RECEIVED = "received", pgettext_lazy("claim status", "Received")
    CANCELLED = "cancelled", pgettext_lazy("claim status", "Cancelled")


class LetterKind(models.TextChoices):
    COVER = "cover", _("Cover letter")
    PACKING_LIST = "packing_list", _("Packing list heading")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement (thank-you letter)")
    CLAIM = "claim", _("Claim for missing issues")


class OrderStatus(models.TextChoices):
    """Where a partner's choice from the portal stands.

    A partner has at most one order in the cart: its items are reserved for it until it
    submits them, removes them or the cart's hold runs out (EXCHANGE_CART_HOURS).
    """

    CART = "cart", _("In the cart")
    SUBMITTED = "submitted", pgettext_lazy("portal order status", "Submitted")
    CANCELLED = "cancelled", _("Cancelled")


class MatchStatus(models.TextChoices):
    """Where a suggested pair of a wanted and an offered item stands."""

    SUGGESTED = "suggested", pgettext_lazy("match status", "Suggested")
    ACCEPTED = "accepted", pgettext_lazy("match status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("match status", "Rejected")
