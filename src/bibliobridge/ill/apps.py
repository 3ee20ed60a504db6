from collections.abc import Callable

from django.apps import AppConfig
from django.db.models import Model
from django.utils.translation import gettext_lazy as _


class IllConfig(AppConfig):
    name = "bibliobridge.ill"
    label = "ill"
    verbose_name = _("Inter-library loan")

    def ready(self) -> None:
        from bibliobridge.partners.models import (
            Closure,
            Endpoint,
            Identifier,
            IllPolicy,
            Institution,
        )

        from .models import IllPeer
        from .receive import forget_agencies
        from .rota import forget_standing

        # Our own identifiers and the partners' access are kept for the ISO 18626 endpoint;
        # a change made in this process shows at once.
        _on_change((Identifier, Institution, IllPeer), forget_agencies, "ill-agency")
        # What the rota reads of every partner is kept a minute; a change of one shows at once.
        _on_change((Closure, Endpoint, IllPolicy), forget_standing, "ill-rota")


def _on_change(models: tuple[type[Model], ...], receiver: Callable[..., None], uid: str) -> None:
    """Call ``receiver`` after any of ``models`` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        name = model._meta.model_name
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-{name}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-{name}-delete")
