"""The exchange app's fixtures (a partner, our offer list, its want list, a prepared
shipment), shared with the API's exchange tests rather than written twice."""

# Imported into this conftest, pytest offers them to every test here; ruff sees them unused.
from bibliobridge.exchange.tests.conftest import (  # noqa: F401
    exchange_contact,
    offer_list,
    partner,
    want_list,
)
from bibliobridge.exchange.tests.shipments.conftest import prepared, reserved  # noqa: F401
