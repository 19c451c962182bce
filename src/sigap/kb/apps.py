from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "sigap.kb"
    label = "kb"
    verbose_name = _("Basis pengetahuan")

    def ready(self) -> None:
        from sigap.kb import feedback, subscribers
        from sigap.metrics import extra  # ready(): the dashboard card, once models load

        subscribers.connect()
        extra.register("deflection", feedback.deflection_card)
