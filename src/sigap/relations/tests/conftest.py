"""The messaging channels' fixtures (a fake provider API on loopback, signed webhook posts)
for the campaign tests."""

from sigap.connectors.tests.conftest import (  # noqa: F401 (pytest fixtures)
    fake_api,
    post_telegram,
    post_whatsapp,
    telegram,
    whatsapp,
)
