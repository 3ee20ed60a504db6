"""Copies we supply: a scan behind an expiring link, sent in the ISO 18626 delivery info.

``deliver`` stores the PDF, makes the link (ILL_COPY_VIEWS views, ILL_COPY_DAYS days) and
takes the request through its ``deliver_copy`` step, whose CopyCompleted message carries
the link. Whoever opens the link sees the copyright notice first; each download uses a
view; the file is purged as the last view starts, or by the daily task once the link
has expired.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bibliobridge.core.files import NotPdf, inspect_pdf
from bibliobridge.core.models import User

from . import services
from .models import CopyLink, IllRequest


def link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("ill_copy", args=[token])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def deliver(actor: User | None, request: IllRequest, uploaded: UploadedFile, note: str = "") -> str:
    """Store the scan, make its link and send CopyCompleted with it; returns the link.

    Raises ValidationError for a file that is not a whole PDF or is too large, and
    services.TransitionRefused when the request cannot be delivered now.
    """
    try:
        _sha, size = inspect_pdf(uploaded)
    except NotPdf as error:
        raise ValidationError(
            _("“%(name)s” is not a PDF file (or is incomplete).") % {"name": uploaded.name}
        ) from error
    if size > settings.MAX_COPY_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a copy may be at most %(limit)s.")
            % {
                "name": uploaded.name,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.MAX_COPY_BYTES),
            }  # fmt: skip
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = CopyLink(
            request=request,
            original_name=(uploaded.name or "copy.pdf")[:255],
            size=size,
            token_sha256=_hash(token),
            views_left=settings.ILL_COPY_VIEWS,
            expires_at=timezone.now() + dt.timedelta(days=settings.ILL_COPY_DAYS),
        )
        link.file.save("copy.pdf", uploaded, save=False)
        link.save()
        try:
            services.transition(request, "deliver_copy", actor,
                                {"url": link_url(token), "note": note})  # fmt: skip
        except Exception:
            link.file.delete(save=False)
            raise
    return link_url(token)


def open_link(token: str) -> CopyLink | None:
    """The live link for a token: not expired, views left, file still there."""
    return CopyLink.objects.filter(
        token_sha256=_hash(token),
        views_left__gt=0,
        expires_at__gt=timezone.now(),
        purged_at__isnull=True,
    ).first()


def use_view(link: CopyLink) -> bool:
    """Take one view of the link (two downloads at once cannot both take the last)."""
    return (
        CopyLink.objects.filter(pk=link.pk, views_left__gt=0, purged_at__isnull=True).update(
            views_left=F("views_left") - 1
        )
        == 1
    )


def purge(link: CopyLink) -> None:
    """Delete the file and mark the link purged (an open download keeps its handle)."""
    if link.file.name:
        link.file.storage.delete(link.file.name)
    CopyLink.objects.filter(pk=link.pk).update(file="", purged_at=timezone.now())


def purge_ended(now: dt.datetime | None = None) -> int:
    """Purge every link that has expired or has no view left; returns how many."""
    ended = CopyLink.objects.filter(purged_at__isnull=True).filter(
        expires_at__lte=now or timezone.now()
    ) | CopyLink.objects.filter(purged_at__isnull=True, views_left=0)
    count = 0
    for link in ended:
        purge(link)
        count += 1
    return count
