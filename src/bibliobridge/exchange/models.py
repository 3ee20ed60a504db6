"""Publication exchange: the terms agreed with each partner, the lists of publications
offered and wanted on either side, the shipments that carry them each way (boxes and
items), the claims for issues that did not come, and the letters that go with them."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bibliobridge.agreements.enums import AgreementType
from bibliobridge.agreements.models import Agreement
from bibliobridge.catalog.models import Cluster
from bibliobridge.core import vocab
from bibliobridge.core.enums import choice_label
from bibliobridge.core.models import User
from bibliobridge.partners.models import Contact, Institution

from .enums import (
    CheckResult,
    ClaimStatus,
    Direction,
    ExchangeKind,
    ItemStatus,
    LetterKind,
    ListKind,
    MatchStatus,
    OrderStatus,
    PostagePaidBy,
    ShipmentStatus,
)


class ExchangeTerms(models.Model):
    """How we exchange publications with one partner, usually as its agreement says."""

    partner = models.OneToOneField(
        Institution,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="exchange_terms",
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchange_terms",
        limit_choices_to={"type": AgreementType.PUBLICATION_EXCHANGE},
    )
    kind = models.CharField(_("kind of exchange"), max_length=16, choices=ExchangeKind.choices)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[vocab.validate_currency],
        help_text=_("ISO 4217 code in which priced exchange is valued, such as USD."),
    )
    quota_sent = models.PositiveIntegerField(
        _("items we send a year"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    quota_received = models.PositiveIntegerField(
        _("items we receive a year"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    tolerance_items = models.PositiveIntegerField(
        _("imbalance allowed (items)"),
        null=True,
        blank=True,
        help_text=_(
            "How many items more one side may have sent in a year before the ledger warns. "
            "Empty for no warning."
        ),
    )
    tolerance_value = models.DecimalField(
        _("imbalance allowed (value)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "For priced exchange: how much more value, in the exchange's currency, one side "
            "may have sent in a year before the ledger warns. Empty for no warning."
        ),
    )
    postage_paid_by = models.CharField(
        _("postage"), max_length=16, choices=PostagePaidBy.choices, default=PostagePaidBy.SENDER
    )
    # SET_NULL, not PROTECT: removing a person from the directory must not be blocked by
    # the terms; the page then shows that no contact is set.
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("exchange contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(
        _("language of letters"),
        max_length=3,
        blank=True,
        validators=[vocab.normalise_language],
        help_text=_("ISO 639 code of the language we write to the partner in, such as en."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange terms")
        verbose_name_plural = _("exchange terms")

    def __str__(self) -> str:
        return str(self.partner)

    def kind_label(self) -> str:
        return choice_label(ExchangeKind, self.kind)

    def clean(self) -> None:
        errors = {}
        if self.kind == ExchangeKind.PRICED and not self.currency:
            errors["currency"] = _("Priced exchange needs a currency.")
        if self.agreement_id and self.partner_id:
            if self.agreement.type != AgreementType.PUBLICATION_EXCHANGE:
                errors["agreement"] = _("This is not a publication exchange agreement.")
            elif not self.agreement.parties.filter(institution_id=self.partner_id).exists():
                errors["agreement"] = _("The partner is not a party to this agreement.")
        if self.contact_id and self.partner_id and self.contact.institution_id != self.partner_id:
            errors["contact"] = _("The contact must be one of the partner's own.")
        if errors:
            raise ValidationError(errors)


class ExchangeList(models.Model):
    """A list of publications offered or wanted, by our library or by a partner."""

    # Empty for our own lists.
    partner = models.ForeignKey(
        Institution,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchange_lists",
        help_text=_("Empty for a list of our own library."),
    )
    kind = models.CharField(_("kind of list"), max_length=8, choices=ListKind.choices)
    name = models.CharField(_("name"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange list")
        verbose_name_plural = _("exchange lists")
        ordering = ["-updated_at", "-id"]
        permissions = [("import_list_items", _("Can import exchange list items"))]

    def __str__(self) -> str:
        return self.name

    def kind_label(self) -> str:
        return choice_label(ListKind, self.kind)

    @property
    def is_offer(self) -> bool:
        return self.kind == ListKind.OFFER


class ListItem(models.Model):
    """One publication on a list, as the list describes it."""

    exchange_list = models.ForeignKey(
        ExchangeList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="items"
    )
    title = models.CharField(_("title"), max_length=1000)
    author = models.CharField(_("author"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    place = models.CharField(_("place of publication"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    edition = models.CharField(_("edition"), max_length=200, blank=True)
    # ISBN-13 when it checks, else as typed (isbn_valid False) so staff can see and fix it.
    isbn = models.CharField(_("ISBN"), max_length=32, blank=True)
    isbn_valid = models.BooleanField(_("ISBN is valid"), default=True)
    issn = models.CharField(_("ISSN"), max_length=9, blank=True)
    language = models.CharField(
        _("language"), max_length=3, blank=True, validators=[vocab.normalise_language]
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[vocab.validate_currency]
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Offered items only: empty on a want list.
    status = models.CharField(_("status"), max_length=16, choices=ItemStatus.choices, blank=True)
    # Offered items only: the partner the item is reserved for (chosen in the portal or by
    # staff), from when; kept once the item is sent, so the ledger knows where it went.
    reserved_for = models.ForeignKey(
        Institution,
        verbose_name=_("reserved for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reserved_at = models.DateTimeField(_("reserved"), null=True, blank=True)
    # The union-catalogue manifestation with the same ISBN or ISSN, when there is one.
    # SET_NULL: the catalogue merges and splits clusters as records arrive, and must not be
    # held up by a list; the link is found again from the identifier.
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("union catalogue cluster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The title's forms under which matching finds it (exchange.matching.title_forms):
    # folded, and romanised when the title is in another script. Kept from when the item is
    # saved, since romanising costs up to milliseconds and matching reads a million items.
    match_title = models.CharField(_("title for matching"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("list item")
        verbose_name_plural = _("list items")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title

    def status_label(self) -> str:
        return choice_label(ItemStatus, self.status) if self.status else ""

    def clean(self) -> None:
        errors = {}
        if self.price is not None and not self.currency:
            errors["currency"] = _("A price needs a currency.")
        if self.exchange_list_id:
            if self.exchange_list.is_offer and not self.status:
                errors["status"] = _("An offered item needs a status.")
            elif not self.exchange_list.is_offer and self.status:
                errors["status"] = _("Wanted items have no status.")
        if self.status == ItemStatus.AVAILABLE and self.reserved_for_id:
            errors["status"] = _("A reserved item is not available.")
        if errors:
            raise ValidationError(errors)


def _positive_decimal(max_digits: int, places: int, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        max_digits=max_digits,
        decimal_places=places,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **kwargs,  # type: ignore[arg-type]
    )


class Shipment(models.Model):
    """Publications sent to a partner in one go, or received from one."""

    partner = models.ForeignKey(
        Institution, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="shipments"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    # OUT-2026-0001 / IN-2026-0001: what letters and labels quote.
    number = models.CharField(_("shipment number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=ShipmentStatus.choices)
    partner_reference = models.CharField(
        _("partner's reference"),
        max_length=100,
        blank=True,
        help_text=_("The number the partner gives the shipment, as on its packing list."),
    )
    courier = models.CharField(_("courier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    postage = _positive_decimal(10, 2, verbose_name=_("postage"))
    postage_currency = models.CharField(
        _("postage currency"),
        max_length=3,
        blank=True,
        validators=[vocab.validate_currency],
        help_text=_("ISO 4217 code, such as CNY."),
    )
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The shipments page filtered by partner (and direction, status), newest first;
            # the ledger reads a partner's shipments the same way.
            models.Index(fields=["partner", "direction", "status"], name="shipment_partner"),
            # The shipments page filtered by status only (what is still to be shipped).
            models.Index(fields=["status", "direction"], name="shipment_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_outgoing(self) -> bool:
        return self.direction == Direction.OUTGOING

    @property
    def is_editable(self) -> bool:
        """Boxes and items change only while ours is prepared or a partner's is unchecked."""
        return self.status in (ShipmentStatus.PREPARED, ShipmentStatus.RECEIVED)

    def status_label(self) -> str:
        return choice_label(ShipmentStatus, self.status)

    def direction_label(self) -> str:
        return choice_label(Direction, self.direction)

    def clean(self) -> None:
        errors = {}
        if self.postage is not None and not self.postage_currency:
            errors["postage_currency"] = _("Postage needs a currency.")
        for later in ("delivered_on", "received_on"):
            day = getattr(self, later)
            if day and self.shipped_on and day < self.shipped_on:
                errors[later] = _("It cannot arrive before it was shipped.")
        today = timezone.localdate()
        for name in ("shipped_on", "delivered_on", "received_on", "acknowledged_on"):
            day = getattr(self, name)
            if day and day > today and name not in errors:
                errors[name] = _("A date in the future cannot be recorded.")
        if errors:
            raise ValidationError(errors)


class Box(models.Model):
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="boxes"
    )
    number = models.PositiveSmallIntegerField(_("box number"), validators=[MinValueValidator(1)])
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("box")
        verbose_name_plural = _("boxes")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "number"], name="unique_box_number")
        ]

    def __str__(self) -> str:
        return f"{self.shipment} / {self.number}"


class ShipmentItem(models.Model):
    """One line of a packing list, described fully enough for the ledger and for a MARC
    record of what we received (title, author, publisher, place, year, identifiers)."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="items"
    )
    # PROTECT: a box with items in it is emptied by the service before it goes.
    box = models.ForeignKey(
        Box,
        verbose_name=_("box"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    # Ours: the offered item this line sends. A partner's: the item of its offer list we
    # asked for, when the line came from one. SET_NULL: the line carries its own copy of
    # the description, so a list may be tidied after its items have gone.
    list_item = models.ForeignKey(
        ListItem,
        verbose_name=_("list item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shipment_items",
    )
    title = models.CharField(_("title"), max_length=1000)
    author = models.CharField(_("author"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    place = models.CharField(_("place of publication"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    edition = models.CharField(_("edition"), max_length=200, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=32, blank=True)
    issn = models.CharField(_("ISSN"), max_length=9, blank=True)
    issue = models.CharField(
        _("volume / issue"),
        max_length=100,
        blank=True,
        help_text=_("For a serial: the volume and issue, such as Vol. 12, No. 3 (2026)."),
    )
    language = models.CharField(
        _("language"), max_length=3, blank=True, validators=[vocab.normalise_language]
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    value = _positive_decimal(
        12, 2, verbose_name=_("value"), help_text=_("The value of all copies on this line.")
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[vocab.validate_currency],
        help_text=_("ISO 4217 code, such as USD."),
    )
    # Incoming shipments: what the check found. Empty until the line is checked.
    check_result = models.CharField(
        _("check"), max_length=16, choices=CheckResult.choices, blank=True
    )
    quantity_received = models.PositiveIntegerField(_("quantity received"), null=True, blank=True)
    check_note = models.CharField(_("discrepancy note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("shipment item")
        verbose_name_plural = _("shipment items")
        ordering = ["box__number", "id"]

    def __str__(self) -> str:
        return self.title

    def check_label(self) -> str:
        return choice_label(CheckResult, self.check_result) if self.check_result else ""

    @property
    def is_serial(self) -> bool:
        return bool(self.issn or self.issue)

    @property
    def missing_quantity(self) -> int:
        """Copies on the packing list that did not come (0 for an extra item)."""
        if self.check_result == CheckResult.EXTRA or self.quantity_received is None:
            return 0
        return max(self.quantity - self.quantity_received, 0)

    @property
    def is_discrepancy(self) -> bool:
        return self.check_result in (
            CheckResult.MISSING, CheckResult.DAMAGED, CheckResult.EXTRA
        ) or self.missing_quantity > 0  # fmt: skip

    def clean(self) -> None:
        errors = {}
        if self.value is not None and not self.currency:
            errors["currency"] = _("A value needs a currency.")
        box = self.box if self.box_id else None
        if box is not None and self.shipment_id and box.shipment_id != self.shipment_id:
            errors["box"] = _("The box must be one of this shipment's.")
        if errors:
            raise ValidationError(errors)


class PortalLink(models.Model):
    """A partner's private link to the portal: the token in it is the only credential.

    Only a hash of the token is kept, as for copy links and API tokens: the database alone
    cannot open the portal, and staff see the link once, when it is made.
    """

    # CASCADE: a link is only a way in; a partner removed from the directory takes its
    # links with it (its orders, which are records, protect it).
    partner = models.ForeignKey(
        Institution,
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="portal_links",
    )
    token_sha256 = models.CharField(_("link token (SHA-256)"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # Where the link was mailed, if it was; empty when staff passed it on themselves.
    mailed_to = models.EmailField(_("mailed to"), blank=True)

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(_("Portal link of %(partner)s") % {"partner": self.partner})

    def is_live(self, at: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (at or timezone.now())


class PortalOrder(models.Model):
    """The items a partner chose in the portal: its cart, then the order it submitted."""

    partner = models.ForeignKey(
        Institution,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="portal_orders",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.CART
    )
    note = models.TextField(_("message from the partner"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal order")
        verbose_name_plural = _("portal orders")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # Two first clicks at once must still give the partner one cart.
            models.UniqueConstraint(
                fields=["partner"],
                condition=models.Q(status=OrderStatus.CART),
                name="exchange_one_cart_per_partner",
            )
        ]
        indexes = [
            # The partner's history and the staff list by partner: partner=…, status=….
            models.Index(fields=["partner", "status"], name="exchange_order_partner_status"),
        ]

    def __str__(self) -> str:
        return str(_("Order %(number)s") % {"number": self.pk})

    def status_label(self) -> str:
        return choice_label(OrderStatus, self.status)


class OrderLine(models.Model):
    """One offered item in a cart or order, described as it was when chosen."""

    order = models.ForeignKey(
        PortalOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    # SET_NULL: staff may delete an item from its list; the order still says what it was.
    item = models.ForeignKey(
        ListItem,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    title = models.CharField(_("title"), max_length=1000)
    author = models.CharField(_("author"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=32, blank=True)
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    # Set when the item was given back: removed by the partner, its hold ran out, or
    # staff released it or cancelled the order.
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        indexes = [
            # Carts whose hold ran out: released_at IS NULL AND added_at < cutoff.
            models.Index(fields=["released_at", "added_at"], name="exchange_line_held_since"),
        ]

    def __str__(self) -> str:
        return self.title


class Claim(models.Model):
    """A claim to a partner for a serial issue that did not come."""

    partner = models.ForeignKey(
        Institution, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="claims"
    )
    # The partner's shipment the issue was missing from, when the claim came from a check.
    shipment_item = models.ForeignKey(
        ShipmentItem,
        verbose_name=_("shipment item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    title = models.CharField(_("serial title"), max_length=1000)
    issn = models.CharField(_("ISSN"), max_length=9, blank=True)
    issue = models.CharField(
        _("volume / issue"),
        max_length=100,
        help_text=_("The missing volume and issue, such as Vol. 12, No. 3 (2026)."),
    )
    quantity = models.PositiveIntegerField(
        _("copies"), default=1, validators=[MinValueValidator(1)]
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The claims page filtered by partner and status.
            models.Index(fields=["partner", "status"], name="claim_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.issue}".strip()

    def status_label(self) -> str:
        return choice_label(ClaimStatus, self.status)


class LetterTemplate(models.Model):
    """Staff's own wording of a letter in one language; code supplies the default
    (exchange.letters.DEFAULTS) where there is none."""

    kind = models.CharField(_("kind of letter"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(
        _("language"),
        max_length=3,
        validators=[vocab.normalise_language],
        help_text=_("ISO 639 code of the language the letter is in, such as zh or en."),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="unique_letter_template")
        ]

    def __str__(self) -> str:
        return f"{choice_label(LetterKind, self.kind)} ({self.language})"


class OfferSearch(models.Model):
    """The portal's search text of one offered item: derived, refreshed when it is older
    than the item (exchange.search), so the item's own writes need not know of it."""

    item = models.OneToOneField(
        ListItem,
        verbose_name=_("item"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="portal_search",
    )
    # Title and author folded, their romanised forms, and the ISBN and ISSN digits.
    text = models.TextField(_("search text"))
    # The item's updated_at when the text was made.
    item_updated_at = models.DateTimeField(_("item updated"))

    class Meta:
        verbose_name = _("offer search text")
        verbose_name_plural = _("offer search texts")

    def __str__(self) -> str:
        return self.text[:80]


class MatchSuggestion(models.Model):
    """A wanted item and an offered one that matching takes for the same publication, and
    what staff decided about the pair.

    One row per pair. A rejected pair stays, so that matching never suggests it again; an
    accepted one stays as the decision. CASCADE from the items: when an item leaves its
    list, what was said about it goes too (the decision is in the activity log).
    """

    want = models.ForeignKey(
        ListItem, verbose_name=_("wanted item"), on_delete=models.CASCADE, related_name="+"
    )
    offer = models.ForeignKey(
        ListItem, verbose_name=_("offered item"), on_delete=models.CASCADE, related_name="+"
    )
    # The partner on the other side of the pair (whose want or whose offer it is).
    partner = models.ForeignKey(
        Institution, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.FloatField(_("score"), help_text=_("From 0 to 1: how sure matching is."))
    # [{"code": ..., "params": {...}}], shown in each viewer's language (matching.MESSAGES).
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("match suggestion")
        verbose_name_plural = _("match suggestions")
        ordering = ["-score", "id"]
        permissions = [("decide_matches", _("Can accept and reject exchange matches"))]
        constraints = [
            models.UniqueConstraint(fields=["want", "offer"], name="exchange_match_one_per_pair")
        ]
        indexes = [
            # The matches page: suggestions of one status, best first.
            models.Index(fields=["status", "-score", "id"], name="exchange_match_status_score"),
            # Re-running matching on one offer list: the suggestions of its items.
            models.Index(fields=["offer", "status"], name="exchange_match_offer"),
        ]

    def __str__(self) -> str:
        return f"{self.want_id} ↔ {self.offer_id}"

    def status_label(self) -> str:
        return choice_label(MatchStatus, self.status)
