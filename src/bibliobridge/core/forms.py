from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import vocab


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", _("Library default")), *vocab.time_zone_choices()]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
