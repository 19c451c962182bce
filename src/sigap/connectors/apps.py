from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "sigap.connectors"
    label = "sigap_channels"  # "channels" is Django Channels' label
    verbose_name = _("Saluran")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from sigap.connectors import conf, delivery, messaging, registry, subscribers
        from sigap.connectors.email.connector import CONNECTOR as EMAIL
        from sigap.connectors.meta.connector import FACEBOOK, INSTAGRAM
        from sigap.connectors.models import ChannelAccount
        from sigap.connectors.telegram.connector import CONNECTOR as TELEGRAM
        from sigap.connectors.whatsapp.connector import CONNECTOR as WHATSAPP
        from sigap.core import health  # ready(): the models are loaded now

        for connector in (EMAIL, WHATSAPP, TELEGRAM, FACEBOOK, INSTAGRAM):  # one line each
            registry.register(connector)
        subscribers.connect()
        post_save.connect(conf.stored.invalidate, sender=ChannelAccount, dispatch_uid="chacc-s")
        post_delete.connect(conf.stored.invalidate, sender=ChannelAccount, dispatch_uid="chacc-d")
        health.waiting("channels.replies", delivery.oldest_due)
        health.waiting("channels.inbound", messaging.oldest_unfiled)
