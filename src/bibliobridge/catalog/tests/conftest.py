import os
from pathlib import Path

import pytest

from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.models import Identifier
from bibliobridge.partners.tests.factories import InstitutionFactory

SHARED = Path(
    os.environ.get(
        "BIBLIOBRIDGE_SHARED_DATA", Path(__file__).resolve().parents[4] / ".." / "shared" / "data"
    )
)


@pytest.fixture
def shared_file():
    """A file of ../shared/data, read in place; the test is skipped when it is absent."""

    def find(relative: str) -> Path:
        path = SHARED / relative
        if not path.is_file():
            pytest.skip(f"shared test data not present: {path}")
        return path

    return find


@pytest.fixture
def holder(db):
    return holder_with_isil("DE-Hil2", country="DE")


def holder_with_isil(isil: str, **fields):
    institution = InstitutionFactory(**fields)
    Identifier.objects.create(institution=institution, scheme=IdentifierScheme.ISIL, value=isil)
    return institution
