from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """Our side of a transaction: we borrow (requester) or we lend (supplier)."""

    REQUESTER = "requester", _("Borrowing")
    SUPPLIER = "supplier", _("Lending")


class Service(models.TextChoices):
    LOAN = "loan", _("Loan")
    COPY = "copy", _("Copy")


class State(models.TextChoices):
    """Every state of both state models (``ill.states``); each model uses some of them."""

    NEW = "new", pgettext_lazy("ILL state", "New")
    SENT = "sent", _("Sent to lender")
    EXPECT_TO_SUPPLY = "expect_to_supply", _("Lender expects to supply")
    WILL_SUPPLY = "will_supply", _("Will supply")
    RETRY_POSSIBLE = "retry_possible", _("Lender offers conditions")
    UNFILLED = "unfilled", _("Unfilled")
    END_OF_ROTA = "end_of_rota", _("No lender left")
    CANCEL_PENDING = "cancel_pending", _("Cancellation asked")
    CANCEL_REQUESTED = "cancel_requested", _("Partner asks to cancel")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    ON_LOAN = "on_loan", _("On loan")
    RENEW_PENDING = "renew_pending", _("Renewal asked")
    RENEW_REQUESTED = "renew_requested", _("Partner asks to renew")
    OVERDUE = "overdue", _("Overdue")
    RECALLED = "recalled", _("Recalled")
    HOLD_RETURN = "hold_return", _("Return on hold")
    RETURN_SHIPPED = "return_shipped", _("Return shipped")
    CONDITIONS_OFFERED = "conditions_offered", _("Conditions offered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Direction(models.TextChoices):
    INCOMING = "in", _("Received")
    OUTGOING = "out", _("Sent")


class Delivery(models.TextChoices):
    """Where an outgoing message stands in the outbox."""

    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    NONE = "none", _("Not to be sent")
