from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "sigap.connectors.phone"
    label = "calls"
    verbose_name = _("Telepon")

    def ready(self) -> None:
        from sigap.connectors import registry
        from sigap.connectors.phone.connector import CONNECTOR, WALKIN

        registry.register(CONNECTOR)
        registry.register(WALKIN)
