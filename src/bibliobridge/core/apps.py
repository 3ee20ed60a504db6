from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bibliobridge.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import roles

        # Groups need every app's permissions, which exist only after all migrations ran.
        post_migrate.connect(roles.sync_roles_after_migrate)
