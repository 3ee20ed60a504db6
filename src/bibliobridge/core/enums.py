import functools

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The label of value in the active language; value itself if it is not a choice.

    What a model's get_FOO_display() answers, without its cost: Django hashes, and so
    translates, every label of the field at each call (~70 µs), once per row and column
    of a list page.
    """
    return _labels(choices, translation.get_language()).get(value, value)


@functools.cache
def _labels(choices: type[models.Choices], language: str | None) -> dict[str, str]:
    with translation.override(language):
        return {member.value: str(member.label) for member in choices}


class Role(models.TextChoices):
    """Staff roles; each is a Django group whose permissions are set in roles.py."""

    ADMINISTRATOR = "administrator", _("Administrator")
    COOPERATION_OFFICER = "cooperation_officer", _("Cooperation officer")
    ILL_STAFF = "ill_staff", _("ILL staff")
    EXCHANGE_STAFF = "exchange_staff", _("Exchange staff")
    VIEWER = "viewer", _("Read-only viewer")


class Action(models.TextChoices):
    """What an ActivityLog entry records."""

    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    DELETED = "deleted", _("deleted")
    TRANSITIONED = "transitioned", _("changed status")
    AMENDED = "amended", _("amended")
    UPLOADED = "uploaded", _("uploaded a document")
    IMPORTED = "imported", _("imported")
    REMINDED = "reminded", _("sent a reminder")
    TOKEN_CREATED = "token_created", _("created an API token")
    TOKEN_REVOKED = "token_revoked", _("revoked an API token")
