from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IllConfig(AppConfig):
    name = "bibliobridge.ill"
    label = "ill"
    verbose_name = _("Inter-library loan")
