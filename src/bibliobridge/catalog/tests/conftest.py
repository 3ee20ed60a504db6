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
