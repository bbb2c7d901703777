"""The exchange targets, one module each; importing this package registers them."""

from exchange.handlers import qualifications  # noqa: F401
