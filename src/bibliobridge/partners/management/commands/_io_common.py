"""Shared by the partner import and export commands."""

from django.core.management.base import CommandError

from bibliobridge.core.models import User


def acting_user(username: str | None) -> User | None:
    """The user the audit trail names (--as), or None for "system"."""
    if not username:
        return None
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as error:
        raise CommandError(f"No user named {username!r}.") from error
