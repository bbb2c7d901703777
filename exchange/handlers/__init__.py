"""The exchange targets, one module each; importing this package registers them."""

from exchange.handlers import (  # noqa: F401
    classified_statistics,
    contracts,
    pledges,
    product_filings,
    qualifications,
    registration_batch,
    transfer_licence_records,
)
