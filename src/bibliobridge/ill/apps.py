from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IllConfig(AppConfig):
    name = "bibliobridge.ill"
    label = "ill"
    verbose_name = _("Inter-library loan")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from bibliobridge.partners.models import Identifier

        from .receive import forget_our_ids

        # Our own identifiers are cached for the ISO 18626 endpoint; a change shows at once.
        post_save.connect(forget_our_ids, sender=Identifier, dispatch_uid="ill-our-ids-save")
        post_delete.connect(forget_our_ids, sender=Identifier, dispatch_uid="ill-our-ids-delete")
