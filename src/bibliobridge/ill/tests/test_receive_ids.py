"""Our own agency ids, as the ISO 18626 endpoint knows them: cached, but never stale."""

import pytest

from bibliobridge.agreements.tests.factories import HomeInstitutionFactory
from bibliobridge.ill import receive
from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.models import Identifier

pytestmark = pytest.mark.django_db


def test_a_new_identifier_of_ours_is_known_at_once(network):
    assert receive._our_ids()  # read and cached
    Identifier.objects.create(
        institution=network.home, scheme=IdentifierScheme.ISIL, value="CN-NEW1"
    )
    assert (IdentifierScheme.ISIL, "CN-NEW1") in receive._our_ids()
    Identifier.objects.filter(value="CN-NEW1").get().delete()
    assert (IdentifierScheme.ISIL, "CN-NEW1") not in receive._our_ids()


def test_having_no_identifier_yet_is_not_remembered():
    assert receive._our_ids() == frozenset()
    home = HomeInstitutionFactory()
    # bulk_create sends no signal: only not caching the empty answer lets this be seen.
    Identifier.objects.bulk_create(
        [Identifier(institution=home, scheme=IdentifierScheme.ISIL, value="CN-HOME9")]
    )
    assert receive._our_ids() == {(IdentifierScheme.ISIL, "CN-HOME9")}
