import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bibliobridge.partners.models import Institution


class HandoverForm(forms.Form):
    start = forms.DateField(
        label=_("Received from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("Received until"), widget=forms.DateInput(attrs={"type": "date"}))
    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=Institution.objects.none(),
        empty_label=_("All partners"),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["partner"]).queryset = (
            Institution.objects.filter(is_home=False, shipments__direction="in")
            .distinct()
            .order_by("name_en", "name")
        )

    @staticmethod
    def initial_values() -> dict[str, dt.date]:
        today = timezone.localdate()
        return {"start": today.replace(month=1, day=1), "end": today}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end is before the start."))
        return data
