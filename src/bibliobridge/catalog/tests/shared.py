"""Where ../shared/data lives: real records written by others, read in place, never copied."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
SHARED_DATA = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(relative: str) -> Path:
    """A file of the shared data; skips the calling test when it is absent."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"shared test data not present: {path} (set BIBLIOBRIDGE_SHARED_DATA)")
    return path
