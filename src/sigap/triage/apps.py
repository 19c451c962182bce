from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "sigap.triage"
    label = "triage"
    verbose_name = _("Triase otomatis")

    def ready(self) -> None:
        from sigap.triage import priority, subscribers

        priority.connect()
        subscribers.connect()
