import pytest

from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.models import Identifier
from bibliobridge.partners.tests.factories import InstitutionFactory

from .shared import shared_path


@pytest.fixture
def shared_file():
    """A file of ../shared/data, read in place; the test is skipped when it is absent."""
    return shared_path


@pytest.fixture
def holder(db):
    return holder_with_isil("DE-Hil2", country="DE")


def holder_with_isil(isil: str, **fields):
    institution = InstitutionFactory(**fields)
    Identifier.objects.create(institution=institution, scheme=IdentifierScheme.ISIL, value=isil)
    return institution


@pytest.fixture
def two_holders(holder, shared_file, tmp_path):
    """The same 30 LoC records held by a German and a Japanese library."""
    from .test_imports import LOC, first_records
    from .test_records import load

    path = first_records(shared_file(LOC), 30, tmp_path / "thirty.mrc")
    other = holder_with_isil("JP-1000001", country="JP")
    load(holder, path)
    load(other, path)
    return holder, other, path
