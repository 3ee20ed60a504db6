"""Reusable reads of the audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import ActivityLog


def activity_for(obj: models.Model, limit: int = 50) -> list[ActivityLog]:
    """An object's history, newest first, for its detail page."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return list(
        ActivityLog.objects.filter(content_type=content_type, object_id=str(obj.pk))[:limit]
    )


def recent_activity(limit: int = 15) -> list[ActivityLog]:
    """The entries written last, newest first (by primary key: no index by time)."""
    return list(ActivityLog.objects.select_related("content_type").order_by("-id")[:limit])
