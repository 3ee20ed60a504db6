"""Uploaded files: the checks every app applies the same way."""

import hashlib
import re
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

PDF_HEAD = b"%PDF-"
PDF_TAIL = b"%%EOF"
# A PDF ends with %%EOF, possibly followed by a little whitespace or an incremental update.
PDF_TAIL_WINDOW = 1024


class NotPdf(ValueError):
    """The upload does not start and end like a whole PDF."""


def inspect_pdf(uploaded_file: UploadedFile) -> tuple[str, int]:
    """SHA-256 and size of the upload, after checking it looks like a whole PDF."""
    digest = hashlib.sha256()
    head = b""
    tail = b""
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        size += len(chunk)
        if len(head) < len(PDF_HEAD):
            head += chunk[: len(PDF_HEAD) - len(head)]
        tail = (tail + chunk)[-PDF_TAIL_WINDOW:]
    uploaded_file.seek(0)
    if not head.startswith(PDF_HEAD) or PDF_TAIL not in tail:
        raise NotPdf(uploaded_file.name)
    return digest.hexdigest(), size


class KeptUpload:
    """An uploaded file kept between its preview and the user's confirmation (an import):
    in a folder of MEDIA_ROOT under a random name that only the user's session holds, with
    the file's own name and what it is for (``extra``, e.g. the list it goes into)."""

    TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

    def __init__(self, folder: str, session_key: str) -> None:
        self.folder, self.session_key = folder, session_key

    def keep(self, request: HttpRequest, data: bytes, name: str, **extra: Any) -> None:
        """Keep this upload in place of any earlier one of the session."""
        self.forget(request)
        token = secrets.token_urlsafe(24)
        self._dir().mkdir(parents=True, exist_ok=True)
        (self._dir() / token).write_bytes(data)
        request.session[self.session_key] = {"token": token, "name": name[:200], **extra}

    def path(self, request: HttpRequest, **extra: Any) -> Path | None:
        """The kept file, if it is still there (and was kept for ``extra``)."""
        stored = request.session.get(self.session_key) or {}
        token = stored.get("token", "")
        if not self.TOKEN.match(token) or any(stored.get(k) != v for k, v in extra.items()):
            return None
        path = self._dir() / token
        return path if path.is_file() else None

    def name(self, request: HttpRequest) -> str:
        return (request.session.get(self.session_key) or {}).get("name", "")

    def forget(self, request: HttpRequest) -> None:
        stored = request.session.pop(self.session_key, None) or {}
        if self.TOKEN.match(stored.get("token", "")):
            (self._dir() / stored["token"]).unlink(missing_ok=True)

    def _dir(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder
