"""Uploaded files: the checks every app applies the same way."""

import hashlib

from django.core.files.uploadedfile import UploadedFile

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
