from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from bibliobridge.partners.models import Institution

from .searching import Criteria


class CatalogUploadForm(forms.Form):
    holder = forms.ModelChoiceField(
        label=_("Holder"),
        queryset=Institution.objects.order_by("name"),
        help_text=_("The partner whose catalogue this is."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "MARC 21, UNIMARC, CNMARC or RUSMARC records, as ISO 2709 (.mrc) or MARCXML. "
            "The format and character set are read from the file itself."
        ),
    )
    replace = forms.BooleanField(
        label=_("Replace the holder's catalogue"),
        required=False,
        initial=True,
        help_text=_(
            "Records of this holder missing from the file are withdrawn. Leave unticked to "
            "add and update only."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > settings.MAX_CATALOG_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.MAX_CATALOG_BYTES)}
            )
        return upload


class CatalogSearchForm(forms.Form):
    """The union catalogue's search: keywords, and fields that narrow them."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Words from the title, names or subjects, in any script."),
    )
    title = forms.CharField(label=_("Title"), required=False)
    name = forms.CharField(label=_("Name"), required=False)
    isbn = forms.CharField(label=_("ISBN"), required=False, max_length=32)
    issn = forms.CharField(label=_("ISSN"), required=False, max_length=16)
    year_from = forms.IntegerField(
        label=_("From year"), required=False, min_value=0, max_value=9999
    )
    year_to = forms.IntegerField(label=_("To year"), required=False, min_value=0, max_value=9999)
    language = forms.CharField(label=_("Language"), required=False, max_length=3)
    country = forms.CharField(label=_("Holder's country"), required=False, max_length=2)
    holder = forms.IntegerField(
        label=_("Holder"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def criteria(self) -> Criteria:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        return Criteria(**data)
