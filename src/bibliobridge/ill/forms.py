from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import isbn as stdisbn
from stdnum import issn as stdissn
from stdnum.exceptions import ValidationError as StdnumError

from bibliobridge.core import vocab
from bibliobridge.partners.enums import EndpointKind, PaymentMethod
from bibliobridge.partners.models import Institution

from . import copyright
from .enums import Service
from .models import IllRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LISTS = {
    "attention": _("Needs attention"),
    "borrowing": _("Borrowing"),
    "lending": _("Lending"),
    "incoming": _("Incoming requests"),
    "overdue": _("Overdue"),
    "all": _("All requests"),
}


class RequestForm(forms.ModelForm):
    """A reader's or librarian's request to borrow a book or get a copy."""

    declaration = forms.BooleanField(required=False)

    class Meta:
        model = IllRequest
        fields = [
            "service", "title", "author", "article_title", "article_author", "edition",
            "publisher", "place", "date", "volume", "issue", "pages", "isbn", "issn", "doi",
            "oclc_number", "language", "patron_name", "patron_id", "patron_email", "patron_language",
            "need_before", "max_cost", "max_cost_currency", "note",
        ]  # fmt: skip
        widgets = {"need_before": DATE, "note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "title": _("The book's title, or the journal's for an article."),
            "article_title": _("For a copy of an article or a chapter."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "patron_language" in self.fields:
            self.fields["patron_language"].required = False
        wording = copyright.profile().declaration
        if wording:
            self.fields["declaration"].label = wording
            self.fields["declaration"].help_text = _("Asked for copies of articles and chapters.")
        else:
            del self.fields["declaration"]

    def clean_patron_language(self) -> str:
        return self.cleaned_data["patron_language"] or settings.LANGUAGE_CODE

    def clean_isbn(self) -> str:
        value = self.cleaned_data["isbn"].strip()
        if not value:
            return ""
        try:
            return str(stdisbn.to_isbn13(stdisbn.validate(value)))
        except StdnumError as error:
            raise forms.ValidationError(
                _("“%(value)s” is not a valid ISBN."), params={"value": value}
            ) from error

    def clean_issn(self) -> str:
        value = self.cleaned_data["issn"].strip()
        if not value:
            return ""
        try:
            return str(stdissn.format(stdissn.validate(value)))
        except StdnumError as error:
            raise forms.ValidationError(
                _("“%(value)s” is not a valid ISSN."), params={"value": value}
            ) from error

    def clean_max_cost_currency(self) -> str:
        value = self.cleaned_data["max_cost_currency"].strip().upper()
        if value:
            vocab.validate_currency(value)
        return value

    def clean_need_before(self) -> Any:
        value = self.cleaned_data["need_before"]
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The date has passed."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("max_cost") is not None and not data.get("max_cost_currency"):
            self.add_error("max_cost_currency", _("Give the currency of the maximum cost."))
        wants_copy = data.get("service") == Service.COPY
        if "declaration" in self.fields and wants_copy and not data.get("declaration"):
            self.add_error("declaration", _("A copy needs the reader's declaration."))
        return data


class ReaderRequestForm(RequestForm):
    """What a reader asks for, without a staff account: no cost, no catalogue numbers;
    who they are, so that staff can check they are our reader and tell them."""

    class Meta(RequestForm.Meta):
        fields = [
            "service", "title", "author", "article_title", "article_author", "edition",
            "publisher", "date", "volume", "issue", "pages", "isbn", "issn", "doi",
            "patron_name", "patron_id", "patron_email", "need_before", "note",
        ]  # fmt: skip
        labels = {"note": _("Anything else we should know")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("patron_name", "patron_id", "patron_email"):
            self.fields[name].required = True
        self.fields["patron_name"].label = _("Your name")
        self.fields["patron_id"].label = _("Your library card number")
        self.fields["patron_email"].label = _("Your e-mail")
        if "declaration" in self.fields:
            self.fields["declaration"].help_text = _("Needed for copies of articles and chapters.")


class ActionForm(forms.Form):
    """What a staff action may carry to the partner."""

    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    cost = forms.DecimalField(label=_("Cost"), required=False, max_digits=10, decimal_places=2,
                              min_value=0)  # fmt: skip
    cost_currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    payment_method = forms.ChoiceField(
        label=_("Payment"), required=False, choices=[("", "—"), *PaymentMethod.choices]
    )
    courier = forms.CharField(label=_("Courier"), required=False, max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=100)
    reason_unfilled = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[
            ("", "—"),
            ("NotHeld", _("Not held")),
            ("NotOnShelf", _("Not on shelf")),
            ("NotAvailableForILL", _("Not available for ILL")),
            ("PolicyProblem", _("Policy problem")),
            ("PoorCondition", _("Poor condition")),
            ("Charges", _("Charges")),
            ("OnLoan", _("On loan")),
            ("Other", _("Other")),
        ],
    )
    note = forms.CharField(label=_("Note to the partner"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def clean_cost_currency(self) -> str:
        value = self.cleaned_data["cost_currency"].strip().upper()
        if value:
            vocab.validate_currency(value)
        return value

    def details(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class CopyForm(forms.Form):
    file = forms.FileField(label=_("PDF of the copy"))
    note = forms.CharField(label=_("Note to the partner"), required=False, max_length=2000)


class AddLenderForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Lender"),
        queryset=Institution.objects.filter(
            endpoints__kind=EndpointKind.ISO18626, is_home=False
        ).distinct(),
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)


class ListForm(forms.Form):
    list = forms.ChoiceField(label=_("List"), required=False, choices=list(LISTS.items()))
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Title, author, reader or request ID"))  # fmt: skip


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def period(self) -> tuple[Any, Any]:
        """(start, end) chosen, this year so far by default; swapped if given backwards."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or today.replace(month=1, day=1)
        end = data.get("end") or today
        return (start, end) if start <= end else (end, start)
