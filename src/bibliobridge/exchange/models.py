"""Publication exchange: the terms agreed with each partner, and the lists of publications
offered and wanted on either side."""

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

from .enums import ExchangeKind, ItemStatus, ListKind, MatchStatus, PostagePaidBy


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
