from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IllConfig(AppConfig):
    name = "bibliobridge.ill"
    label = "ill"
    verbose_name = _("Inter-library loan")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from bibliobridge.partners.models import Closure, Endpoint, Identifier, IllPolicy

        from .receive import forget_our_ids
        from .rota import forget_standing

        # Our own identifiers are cached for the ISO 18626 endpoint; a change shows at once.
        post_save.connect(forget_our_ids, sender=Identifier, dispatch_uid="ill-our-ids-save")
        post_delete.connect(forget_our_ids, sender=Identifier, dispatch_uid="ill-our-ids-delete")
        # What the rota reads of every partner is kept a minute; a change of one shows at once.
        for model in (Closure, Endpoint, IllPolicy):
            name = model._meta.model_name
            post_save.connect(forget_standing, sender=model, dispatch_uid=f"ill-rota-{name}-save")
            post_delete.connect(
                forget_standing, sender=model, dispatch_uid=f"ill-rota-{name}-delete"
            )
