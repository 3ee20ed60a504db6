"""Where ../shared/data lives: real messages written by others, read in place, never copied.

The same pattern as the catalogue's tests (``catalog/tests/shared.py``)."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
SHARED_DATA = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data"))
ISO18626 = SHARED_DATA / "iso18626"
SAMPLES = ISO18626 / "samples" / "crosslink"


def shared_path(relative: str) -> Path:
    """A file of the shared data; skips the calling test when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared test data not present: {path} (set BIBLIOBRIDGE_SHARED_DATA)")
    return path


def xsd_dir() -> Path:
    """The folder of the official ISO 18626 XSDs; skips the calling test when absent."""
    return shared_path("iso18626/xsd")
