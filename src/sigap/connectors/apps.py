from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "sigap.connectors"
    label = "sigap_channels"  # "channels" is Django Channels' label
    verbose_name = _("Saluran")

    def ready(self) -> None:
        from sigap.connectors import subscribers

        subscribers.connect()
