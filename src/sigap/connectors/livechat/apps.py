from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivechatConfig(AppConfig):
    name = "sigap.connectors.livechat"
    label = "livechat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        from sigap.connectors import registry
        from sigap.connectors.livechat.connector import CONNECTOR

        registry.register(CONNECTOR)
