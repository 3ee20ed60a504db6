"""Writes that belong to the core: the audit trail, API tokens, user preferences."""

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from . import sql
from .enums import Action
from .models import ActivityLog, ApiToken, CurrencyRate, User, hash_token


def plain(value: Any) -> Any:
    """A JSON-safe form of a field value, for the audit trail."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "size"):  # a stored file
        return value.name or ""
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Field values of obj (concrete fields, or those named) in JSON-safe form."""
    names = fields or [
        f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name != "search_text"
    ]
    return {name: plain(getattr(obj, name)) for name in names}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def log_activity(
    actor: User | None,
    action: Action | str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    message: str = "",
) -> None:
    """Record one write. Every service that changes data calls this inside its transaction."""
    sql.insert(
        ActivityLog,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None and actor.pk else "system"),
        action=str(action),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
        message=message,
    )


def update_fields(
    obj: models.Model, actor: User | None, values: dict[str, Any], message: str = ""
) -> dict[str, list[Any]]:
    """Set values on obj, save only what changed, and log the before → after pairs."""
    before = snapshot(obj, values.keys())
    for name, value in values.items():
        setattr(obj, name, value)
    changes = changes_between(before, snapshot(obj, values.keys()))
    if changes:
        obj.full_clean()
        obj.save(update_fields=[*changes, *_auto_now_fields(obj)])
        log_activity(actor, Action.UPDATED, obj, changes, message)
    return changes


def _auto_now_fields(obj: models.Model) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]


@transaction.atomic
def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for user; the raw key is returned once and never stored."""
    raw = "bb_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
    log_activity(user, Action.TOKEN_CREATED, token)
    return token, raw


@transaction.atomic
def revoke_api_token(token: ApiToken, actor: User) -> None:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if updated:
        log_activity(actor, Action.TOKEN_REVOKED, token)


def user_for_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def set_user_preferences(user: User, actor: User, language: str, time_zone: str) -> None:
    update_fields(user, actor, {"language": language, "time_zone": time_zone})


# ---------------------------------------------------------------- currency rates

RATE_FIELDS = ("currency", "quote_currency", "rate", "valid_from", "source")


@transaction.atomic
def create_rate(actor: User, values: dict[str, Any]) -> CurrencyRate:
    """A new dated rate. Raises ValidationError by field (one rate per pair and day)."""
    rate = CurrencyRate(**{k: v for k, v in values.items() if k in RATE_FIELDS})
    rate.full_clean()
    rate.save()
    log_activity(actor, Action.CREATED, rate, snapshot(rate, RATE_FIELDS))
    return rate


@transaction.atomic
def update_rate(actor: User, rate: CurrencyRate, values: dict[str, Any]) -> dict:
    return update_fields(rate, actor, {k: v for k, v in values.items() if k in RATE_FIELDS})


@transaction.atomic
def delete_rate(actor: User, rate: CurrencyRate) -> None:
    log_activity(actor, Action.DELETED, rate, snapshot(rate, RATE_FIELDS))
    rate.delete()
