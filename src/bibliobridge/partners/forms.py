from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bibliobridge.core import vocab

from . import services
from .enums import IdentifierScheme, InstitutionKind, NameKind, PaymentMethod
from .models import Address, Closure, Contact, Endpoint, IllPolicy, Institution


def split_codes(value: str) -> list[str]:
    return [
        part.strip()
        for part in value.replace(";", ",").replace(" ", ",").split(",")
        if part.strip()
    ]


class CodeListField(forms.CharField):
    """Comma-separated ISO codes in, a list of normalised codes out."""

    def __init__(self, *, normalise, **kwargs: Any) -> None:
        self.normalise = normalise
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        codes = split_codes(super().to_python(value) or "")
        errors, result = [], []
        for code in codes:
            try:
                result.append(self.normalise(code))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(result))


class InstitutionForm(forms.ModelForm):
    languages = CodeListField(
        normalise=vocab.normalise_language,
        label=_("Languages"),
        help_text=_("ISO 639 codes separated by commas, such as ja, en."),
    )
    currencies = CodeListField(
        normalise=vocab.normalise_currency,
        label=_("Currencies"),
        help_text=_("ISO 4217 codes separated by commas, such as JPY, USD."),
    )
    country = forms.CharField(
        label=_("Country"), max_length=2, help_text=_("ISO 3166 code, such as JP.")
    )
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, help_text=_("IANA zone, such as Asia/Tokyo.")
    )
    isil = forms.CharField(label=_("ISIL"), required=False, max_length=40)
    ror = forms.CharField(label=_("ROR ID"), required=False, max_length=60)
    oclc = forms.CharField(label=_("OCLC symbol"), required=False, max_length=20)
    calis = forms.CharField(label=_("CALIS code"), required=False, max_length=20)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    website = forms.URLField(label=_("Web site"), required=False, assume_scheme="https")

    class Meta:
        model = Institution
        fields = [
            "kind", "name", "name_zh", "name_en", "parent", "country", "region", "city",
            "time_zone", "languages", "currencies", "website", "notes", "is_active",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        parent.queryset = Institution.objects.order_by("name_en", "name").only(
            "pk", "name", "name_zh", "name_en"
        )
        if self.instance.pk:
            parent.queryset = parent.queryset.exclude(pk=self.instance.pk)
            existing = dict(self.instance.identifiers.values_list("scheme", "value"))
            for scheme in ("isil", "ror", "oclc", "calis"):
                self.initial.setdefault(scheme, existing.get(scheme, ""))
            self.initial.setdefault(
                "tags", ", ".join(self.instance.tags.values_list("name", flat=True))
            )

    def clean_country(self) -> str:
        return vocab.normalise_country(self.cleaned_data["country"])

    def clean_time_zone(self) -> str:
        return vocab.normalise_time_zone(self.cleaned_data["time_zone"])

    def _clean_identifier(self, scheme: str) -> str:
        value = self.cleaned_data.get(scheme, "").strip()
        if not value:
            return ""
        value = services.normalise_identifier(scheme, value)
        services.check_identifier_free(scheme, value, self.instance if self.instance.pk else None)
        return value

    def clean_isil(self) -> str:
        return self._clean_identifier(IdentifierScheme.ISIL)

    def clean_ror(self) -> str:
        return self._clean_identifier(IdentifierScheme.ROR)

    def clean_oclc(self) -> str:
        return self._clean_identifier(IdentifierScheme.OCLC)

    def clean_calis(self) -> str:
        return self._clean_identifier(IdentifierScheme.CALIS)

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("name") or data.get("name_en") or data.get("name_zh")):
            raise ValidationError(_("Give at least one name."))
        return data

    def identifier_pairs(self) -> list[tuple[str, str]]:
        return [
            (s, self.cleaned_data[s])
            for s in ("isil", "ror", "oclc", "calis")
            if self.cleaned_data.get(s)
        ]


class NameForm(forms.Form):
    value = forms.CharField(label=_("Name"), max_length=300)
    language = forms.CharField(label=_("Language"), max_length=8, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=NameKind.choices)

    def clean_language(self) -> str:
        value = self.cleaned_data["language"]
        return vocab.normalise_language(value) if value else ""


class IdentifierForm(forms.Form):
    scheme = forms.ChoiceField(label=_("Scheme"), choices=IdentifierScheme.choices)
    value = forms.CharField(label=_("Identifier"), max_length=64)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        self.institution = institution
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("scheme") and data.get("value"):
            try:
                data["value"] = services.normalise_identifier(data["scheme"], data["value"])
                services.check_identifier_free(data["scheme"], data["value"], self.institution)
            except ValidationError as error:
                self.add_error("value", error)
        return data


class ContactForm(forms.ModelForm):
    languages = CodeListField(normalise=vocab.normalise_language, label=_("Languages"))

    class Meta:
        model = Contact
        fields = ["name", "name_romanised", "role", "title", "email", "phone", "languages"]


class AddressForm(forms.ModelForm):
    country = forms.CharField(label=_("Country"), max_length=2)

    class Meta:
        model = Address
        fields = ["kind", "native", "romanised", "country"]

    def clean_country(self) -> str:
        return vocab.normalise_country(self.cleaned_data["country"])


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = Endpoint
        fields = ["kind", "url", "version"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == "iso18626" and not data.get("version"):
            self.add_error("version", _("Say which ISO 18626 version the partner speaks."))
        return data


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["start", "end", "reason"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The closure must end on or after its first day."))
        return data


class IllPolicyForm(forms.ModelForm):
    countries_served = CodeListField(
        normalise=vocab.normalise_country,
        label=_("Countries served"),
        help_text=_("ISO 3166 codes; empty means every country."),
    )
    payment_methods = forms.MultipleChoiceField(
        label=_("Payment methods"),
        choices=PaymentMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = IllPolicy
        fields = [
            "lends_returnables", "supplies_copies", "countries_served", "payment_methods",
            "max_cost", "max_cost_currency", "shipping",
        ]  # fmt: skip

    def clean_max_cost_currency(self) -> str:
        value = self.cleaned_data.get("max_cost_currency", "")
        return vocab.normalise_currency(value) if value else ""

    def clean(self) -> dict:
        data = super().clean()
        if data.get("max_cost") is not None and not data.get("max_cost_currency"):
            self.add_error("max_cost_currency", _("Give the currency of the maximum cost."))
        return data


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstitutionKind.choices]
    )
    tag = forms.CharField(label=_("Tag"), required=False)
    has_agreement = forms.ChoiceField(
        label=_("Agreement"),
        required=False,
        choices=[
            ("", _("Any")),
            ("yes", _("With an agreement")),
            ("no", _("Without an agreement")),
        ],
    )
