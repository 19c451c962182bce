from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "sigap.relations"
    label = "relations"
    verbose_name = _("Hubungan pelanggan")

    def ready(self) -> None:
        from sigap.relations import privacy, subscribers

        subscribers.connect()
        privacy.connect()
