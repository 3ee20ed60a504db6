from typing import Any, cast

from django import forms
from django.db.models import Case, Q, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bibliobridge.agreements.enums import AgreementType
from bibliobridge.agreements.models import Agreement
from bibliobridge.core import vocab
from bibliobridge.core.models import CurrencyRate
from bibliobridge.partners.enums import ContactRole
from bibliobridge.partners.models import Contact, Institution

from .enums import ItemStatus, ListKind, MatchStatus, OrderStatus
from .identifiers import normalise_issn
from .models import ExchangeList, ExchangeTerms, ListItem


def _partners() -> Any:
    return Institution.objects.filter(is_home=False).order_by("name_en", "name")


def _code(value: str, normalise: Any) -> str:
    return normalise(value) if value.strip() else ""


class PartnerChoiceForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Institution.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partners()


class TermsForm(forms.ModelForm):
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("ISO 4217 code in which priced exchange is valued, such as USD."),
    )
    language = forms.CharField(
        label=_("Language of letters"),
        required=False,
        max_length=3,
        help_text=_("ISO 639 code of the language we write to the partner in, such as en."),
    )

    class Meta:
        model = ExchangeTerms
        fields = [
            "kind", "agreement", "currency", "quota_sent", "quota_received", "tolerance_items",
            "tolerance_value", "postage_paid_by",
            "contact", "language", "notes",
        ]  # fmt: skip

    def __init__(self, *args: Any, partner: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the partner's own publication exchange agreements and contacts, its exchange
        # contacts first.
        cast(forms.ModelChoiceField, self.fields["agreement"]).queryset = Agreement.objects.filter(
            type=AgreementType.PUBLICATION_EXCHANGE, parties__institution=partner
        ).order_by("-effective_date", "title")
        exchange_first = Case(When(role=ContactRole.EXCHANGE, then=0), default=1)
        cast(forms.ModelChoiceField, self.fields["contact"]).queryset = Contact.objects.filter(
            institution=partner
        ).order_by(exchange_first, "name")

    def clean_currency(self) -> str:
        return _code(self.cleaned_data["currency"], vocab.normalise_currency)

    def clean_language(self) -> str:
        return _code(self.cleaned_data["language"], vocab.normalise_language)


class ListForm(forms.ModelForm):
    class Meta:
        model = ExchangeList
        fields = ["name", "kind", "partner", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partners()
        if self.instance.pk:
            # Whether items carry a status depends on it: fixed once the list exists.
            del self.fields["kind"]


class ItemForm(forms.ModelForm):
    isbn = forms.CharField(
        label=_("ISBN"),
        required=False,
        max_length=32,
        help_text=_("ISBN-10 or ISBN-13; one that does not check is kept and flagged."),
    )
    issn = forms.CharField(label=_("ISSN"), required=False, max_length=12)
    language = forms.CharField(
        label=_("Language"),
        required=False,
        max_length=3,
        help_text=_("ISO 639 code, such as zh, en or rus."),
    )
    currency = forms.CharField(
        label=_("Currency"), required=False, max_length=3, help_text=_("ISO 4217 code.")
    )

    class Meta:
        model = ListItem
        fields = [
            "title", "author", "publisher", "place", "year", "edition", "isbn", "issn",
            "language", "quantity", "price", "currency", "note", "status",
        ]  # fmt: skip

    def __init__(self, *args: Any, exchange_list: ExchangeList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if exchange_list.is_offer:
            status = cast(forms.ChoiceField, self.fields["status"])
            status.choices = ItemStatus.choices
            status.required = True
            status.initial = ItemStatus.AVAILABLE
        else:
            del self.fields["status"]

    def clean_issn(self) -> str:
        return normalise_issn(self.cleaned_data["issn"])

    def clean_language(self) -> str:
        return _code(self.cleaned_data["language"], vocab.normalise_language)

    def clean_currency(self) -> str:
        return _code(self.cleaned_data["currency"], vocab.normalise_currency)


class ListFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of list"), required=False, choices=[("", _("Any kind")), *ListKind.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Name or partner"))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, GBK or Big5) or Excel .xlsx, one publication per row; or a MARC file "
            "(ISO 2709 or MARCXML; MARC 21, UNIMARC or CNMARC), one publication per record."
        ),
    )


class RateForm(forms.ModelForm):
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        help_text=_("ISO 4217 code of the currency valued, such as USD."),
    )
    quote_currency = forms.CharField(
        label=_("Valued in"),
        max_length=3,
        help_text=_("ISO 4217 code of the currency it is valued in, such as CNY."),
    )

    class Meta:
        model = CurrencyRate
        fields = ["currency", "quote_currency", "rate", "valid_from", "source"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"})}

    def clean_currency(self) -> str:
        return vocab.normalise_currency(self.cleaned_data["currency"])

    def clean_quote_currency(self) -> str:
        return vocab.normalise_currency(self.cleaned_data["quote_currency"])


class RateFilterForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)


# ---------------------------------------------------------------- portal


class PortalFilterForm(forms.Form):
    """The partner's search of our offer; choices come from what is on offer now."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Title, author or ISBN, in any script"),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1000, max_value=2999)
    exchange_list = forms.TypedChoiceField(
        label=pgettext_lazy("exchange portal filter", "List"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args: Any, choices: dict[str, list], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("Any language")),
            *((code, vocab.language_name(code)) for code in choices["languages"]),
        ]
        cast(forms.ChoiceField, self.fields["exchange_list"]).choices = [
            ("", _("All lists")),
            *choices["lists"],
        ]


class CartSubmitForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the library"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PortalLinkForm(forms.Form):
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=366,
        help_text=_("The link stops working after this many days; it can be revoked sooner."),
    )
    mail = forms.BooleanField(
        label=_("Mail the link to the partner's exchange contact"), required=False
    )


class OrderFilterForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=Institution.objects.none()
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Partners the exchange knows of: with terms, a portal link or an order.
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = (
            _partners()
            .filter(
                Q(portal_orders__isnull=False)
                | Q(portal_links__isnull=False)
                | Q(exchange_terms__isnull=False)
            )
            .distinct()
        )
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("Submitted or cancelled")),
            *OrderStatus.choices,
        ]


class MatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *MatchStatus.choices],
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=Institution.objects.none()
    )
    exchange_list = forms.ModelChoiceField(
        label=pgettext_lazy("exchange list", "List"),
        required=False,
        queryset=ExchangeList.objects.none(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partners()
        cast(
            forms.ModelChoiceField, self.fields["exchange_list"]
        ).queryset = ExchangeList.objects.select_related("partner").order_by("name")
