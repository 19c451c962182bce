from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "sigap.connectors"
    label = "sigap_channels"  # "channels" is Django Channels' label
    verbose_name = _("Saluran")

    def ready(self) -> None:
        from sigap.connectors import delivery, messaging, registry, subscribers
        from sigap.connectors.email.connector import CONNECTOR as EMAIL
        from sigap.connectors.meta.connector import FACEBOOK, INSTAGRAM
        from sigap.connectors.telegram.connector import CONNECTOR as TELEGRAM
        from sigap.connectors.whatsapp.connector import CONNECTOR as WHATSAPP
        from sigap.core import health  # ready(): the models are loaded now

        for connector in (EMAIL, WHATSAPP, TELEGRAM, FACEBOOK, INSTAGRAM):  # one line each
            registry.register(connector)
        subscribers.connect()
        health.waiting("channels.replies", delivery.oldest_due)
        health.waiting("channels.inbound", messaging.oldest_unfiled)
