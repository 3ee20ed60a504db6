from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from bibliobridge.core import vocab
from bibliobridge.core.models import User
from bibliobridge.partners.models import Institution

from .enums import AgreementStatus, AgreementType, DocumentKind, PartyRole
from .models import Agreement, AgreementParty, Condition

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AgreementFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Title or a party's name"))
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *AgreementType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *AgreementStatus.choices]
    )
    country = forms.CharField(label=_("Partner country"), required=False, max_length=2)
    expiring_within = forms.IntegerField(
        label=_("Expiring within (days)"), required=False, min_value=0, max_value=3650
    )

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip()
        if not value:
            return ""
        return vocab.normalise_country(value)

    def filters(self) -> dict[str, Any]:
        """The cleaned filters (empty if the form is invalid)."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "type", "title", "effective_date", "expiry_date", "auto_renew", "renewal_months",
            "notice_days", "owner", "summary",
        ]  # fmt: skip
        widgets = {"effective_date": DATE, "expiry_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = User.objects.filter(
            is_active=True
        ).order_by("username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("auto_renew") and not data.get("renewal_months"):
            self.add_error(
                "renewal_months",
                _("Give the renewal term of an agreement that renews automatically."),
            )
        return data


class AgreementCreateForm(AgreementForm):
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Institution.objects.none(),
        help_text=_("Further parties can be added later."),
    )
    partner_reference = forms.CharField(
        label=_("Partner's reference number"), required=False, max_length=100
    )
    our_reference = forms.CharField(label=_("Our reference number"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = Institution.objects.filter(
            is_home=False, is_active=True
        )

    def parties(self, home: Institution | None) -> list[dict[str, Any]]:
        data = self.cleaned_data
        parties = []
        if home is not None and home.pk != data["partner"].pk:
            parties.append(
                {
                    "institution": home,
                    "role": PartyRole.OUR_LIBRARY,
                    "reference": data["our_reference"],
                }
            )
        parties.append(
            {
                "institution": data["partner"],
                "role": PartyRole.PARTNER,
                "reference": data["partner_reference"],
            }
        )
        return parties


class AmendForm(AgreementForm):
    reason = forms.CharField(label=_("Reason for the amendment"), widget=forms.Textarea)

    class Meta(AgreementForm.Meta):
        pass


class PartyForm(forms.ModelForm):
    class Meta:
        model = AgreementParty
        fields = [
            "institution",
            "role",
            "reference",
            "signatory_name",
            "signatory_title",
            "signed_on",
        ]
        widgets = {"signed_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["institution"]
        ).queryset = Institution.objects.filter(is_active=True)
        self.fields["role"].initial = PartyRole.PARTNER


class ConditionForm(forms.ModelForm):
    class Meta:
        model = Condition
        fields = [
            "kind",
            "quantity",
            "unit",
            "per_quantity",
            "per_unit",
            "currency",
            "period",
            "direction",
            "note",
        ]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("PDF file"))
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)


class TransitionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
