from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "sigap.kb"
    label = "kb"
    verbose_name = _("Basis pengetahuan")

    def ready(self) -> None:
        from sigap.kb import subscribers

        subscribers.connect()
