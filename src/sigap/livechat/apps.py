from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivechatConfig(AppConfig):
    name = "sigap.livechat"
    label = "livechat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        from sigap.livechat import subscribers

        subscribers.connect()
