"""Forms of shipments, receipts, claims and letter templates."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bibliobridge.core import vocab
from bibliobridge.partners.models import Institution

from . import letters
from .enums import CheckResult, ClaimStatus, Direction, LetterKind, ListKind, ShipmentStatus
from .forms import _code, _partners
from .identifiers import normalise_issn
from .models import Box, Claim, ListItem, Shipment, ShipmentItem
from .shipments import BIB_FIELDS

CURRENCY_HELP = _("ISO 4217 code, such as CNY, USD or EUR.")


def _currency_field(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=3, help_text=CURRENCY_HELP)


class ItemChoices(forms.ModelMultipleChoiceField):
    """Items to check off, each shown with what identifies it on the shelf."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: ListItem) -> str:
        details = [obj.author, obj.isbn or obj.issn, str(obj.year or "")]
        extra = " · ".join(d for d in details if d)
        quantity = _("%(count)d copies") % {"count": obj.quantity} if obj.quantity > 1 else ""
        return " — ".join(p for p in (obj.title, extra, quantity) if p)


def _dated(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.widget = forms.DateInput(attrs={"type": "date"})


class OutgoingForm(forms.ModelForm):
    """A new shipment of ours: which reserved items, in how many boxes, how sent."""

    items = ItemChoices(label=_("Items reserved for the partner"), queryset=ListItem.objects.none())
    boxes = forms.IntegerField(
        label=_("Number of boxes"),
        min_value=1,
        max_value=500,
        initial=1,
        help_text=_("Every item goes into box 1; move items to other boxes afterwards."),
    )
    postage_currency = _currency_field(_("Postage currency"))

    class Meta:
        model = Shipment
        fields = ["courier", "tracking_number", "postage", "postage_currency", "notes"]

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["items"])
        field.queryset = items
        field.initial = [item.pk for item in items]

    def clean_postage_currency(self) -> str:
        return _code(self.cleaned_data["postage_currency"], vocab.normalise_currency)


class AddReservedForm(forms.Form):
    items = ItemChoices(label=_("Items reserved for the partner"), queryset=ListItem.objects.none())

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["items"]).queryset = items


class FromListForm(forms.Form):
    items = ItemChoices(label=_("Items of the partner's offers"), queryset=ListItem.objects.none())

    def __init__(self, *args: Any, partner: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["items"]).queryset = (
            ListItem.objects.filter(
                exchange_list__partner=partner, exchange_list__kind=ListKind.OFFER
            )
            .select_related("exchange_list")
            .order_by("exchange_list__name", "id")
        )


class ShipmentForm(forms.ModelForm):
    postage_currency = _currency_field(_("Postage currency"))

    class Meta:
        model = Shipment
        fields = [
            "partner_reference", "shipped_on", "received_on", "courier", "tracking_number",
            "postage", "postage_currency", "notes",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.is_outgoing:
            # Ours: the dates are those of the moves.
            for name in ("partner_reference", "shipped_on", "received_on"):
                del self.fields[name]
        _dated(self)

    def clean_postage_currency(self) -> str:
        return _code(self.cleaned_data["postage_currency"], vocab.normalise_currency)


class IncomingForm(ShipmentForm):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Institution.objects.none())

    class Meta(ShipmentForm.Meta):
        fields = ["partner", *ShipmentForm.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partners()
        self.fields["received_on"].help_text = _("Empty for today.")


class BoxForm(forms.ModelForm):
    class Meta:
        model = Box
        fields = ["weight_kg", "note"]


class LineForm(forms.ModelForm):
    """A line of a packing list: ours changes only its packing; a partner's is typed in."""

    issn = forms.CharField(label=_("ISSN"), required=False, max_length=12)
    language = forms.CharField(
        label=_("Language"),
        required=False,
        max_length=3,
        help_text=_("ISO 639 code, such as zh, en or rus."),
    )
    currency = _currency_field(_("Currency"))
    extra = forms.BooleanField(
        label=_("Not on the partner's packing list (an extra item)"), required=False
    )

    class Meta:
        model = ShipmentItem
        fields = [
            "title", "author", "publisher", "place", "year", "edition", "isbn", "issn", "issue",
            "language", "box", "quantity", "value", "currency",
        ]  # fmt: skip

    def __init__(
        self, *args: Any, shipment: Shipment, extra_only: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.shipment = shipment
        box = cast(forms.ModelChoiceField, self.fields["box"])
        box.queryset = shipment.boxes.all()
        box.empty_label = _("(not in a box)")
        if shipment.is_outgoing:
            for name in (*BIB_FIELDS, "extra"):
                del self.fields[name]
        else:
            if self.instance.pk or extra_only:
                del self.fields["extra"]
            if not shipment.boxes.exists():  # a partner's parcel is rarely boxed by us
                del self.fields["box"]

    def clean_issn(self) -> str:
        return normalise_issn(self.cleaned_data["issn"])

    def clean_language(self) -> str:
        return _code(self.cleaned_data["language"], vocab.normalise_language)

    def clean_currency(self) -> str:
        return _code(self.cleaned_data["currency"], vocab.normalise_currency)


class MoveForm(forms.Form):
    on = forms.DateField(
        label=pgettext_lazy("date of a status change", "On"),
        required=False,
        help_text=_("Empty for today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    mail = forms.BooleanField(
        label=_("Also mail the letter to the partner's exchange contact"), required=False
    )


class CheckForm(forms.Form):
    """What the check found, a row of fields per line of the packing list; each field's
    label names its line, so an error says which one is at fault."""

    CHOICES = [
        (CheckResult.RECEIVED, CheckResult.RECEIVED.label),
        (CheckResult.MISSING, CheckResult.MISSING.label),
        (CheckResult.DAMAGED, CheckResult.DAMAGED.label),
    ]

    def __init__(self, *args: Any, lines: list[ShipmentItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.check_result != CheckResult.EXTRA]
        for n, line in enumerate(self.lines, 1):
            name = _("Line %(n)d, “%(title)s”") % {"n": n, "title": line.title}
            self.fields[f"result_{line.pk}"] = forms.ChoiceField(
                label=name,
                choices=self.CHOICES,
                initial=line.check_result or CheckResult.RECEIVED,
                widget=forms.RadioSelect,
            )
            self.fields[f"received_{line.pk}"] = forms.IntegerField(
                label=_("%(line)s: copies received") % {"line": name},
                min_value=0,
                max_value=line.quantity,
                required=False,
                initial=line.quantity_received
                if line.quantity_received is not None
                else line.quantity,
            )
            self.fields[f"note_{line.pk}"] = forms.CharField(
                label=_("%(line)s: note") % {"line": name}, required=False, max_length=500,
                initial=line.check_note,
            )  # fmt: skip

    def rows(self) -> list[tuple[ShipmentItem, Any, Any, Any]]:
        return [
            (line, self[f"result_{line.pk}"], self[f"received_{line.pk}"], self[f"note_{line.pk}"])
            for line in self.lines
        ]

    def results(self) -> dict[int, dict[str, Any]]:
        data = self.cleaned_data
        return {
            line.pk: {
                "check_result": data[f"result_{line.pk}"],
                "quantity_received": data[f"received_{line.pk}"],
                "check_note": data[f"note_{line.pk}"],
            }
            for line in self.lines
        }


class ClaimForm(forms.ModelForm):
    issn = forms.CharField(label=_("ISSN"), required=False, max_length=12)

    class Meta:
        model = Claim
        fields = ["title", "issn", "issue", "quantity", "note"]

    def clean_issn(self) -> str:
        return normalise_issn(self.cleaned_data["issn"])


class NewClaimForm(ClaimForm):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Institution.objects.none())

    class Meta(ClaimForm.Meta):
        fields = ["partner", *ClaimForm.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partners()


class LetterForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}))


class NewLetterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of letter"), choices=LetterKind.choices)
    language = forms.CharField(
        label=_("Language"),
        max_length=3,
        help_text=_("ISO 639 code of the language the letter is in, such as ja or ru."),
    )

    def clean_language(self) -> str:
        code = vocab.normalise_language(self.cleaned_data["language"])
        return letters.ALIASES.get(code, code)


class ShipmentFilterForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=Institution.objects.none(),
        empty_label=_("Any partner"),
    )  # fmt: skip
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("Both ways")), *Direction.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ShipmentStatus.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partners()


class ClaimFilterForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=Institution.objects.none(),
        empty_label=_("Any partner"),
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ClaimStatus.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = _partners()
