from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationsConfig(AppConfig):
    name = "sigap.automations"
    label = "automations"
    verbose_name = _("Otomasi")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from sigap.automations import engine, subscribers
        from sigap.automations.models import Rule

        post_save.connect(engine.invalidate, sender=Rule, dispatch_uid="rule-save")
        post_delete.connect(engine.invalidate, sender=Rule, dispatch_uid="rule-delete")
        subscribers.connect()
