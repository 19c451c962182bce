"""A connector written the way CONTRIBUTING.md says: one folder, one registry line."""

from django.apps import AppConfig


class FakeConnectorConfig(AppConfig):
    name = "tests.fake_connector"
    label = "fake_connector"

    def ready(self) -> None:
        from sigap.connectors import registry
        from tests.fake_connector.connector import CONNECTOR

        registry.register(CONNECTOR)  # the one registry line
