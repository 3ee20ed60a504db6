from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from bibliobridge.partners.models import Institution


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
