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
        from sigap.connectors.livechat.services import refuse_merge_while_chatting
        from sigap.tickets import hooks  # ready(): the apps are loaded now

        hooks.subscribe(
            hooks.TicketMerging,
            refuse_merge_while_chatting,
            phase=hooks.INSIDE,
            name="livechat.merge",
        )
