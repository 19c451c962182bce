from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "sigap.triage"
    label = "triage"
    verbose_name = _("Triase otomatis")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from sigap.triage import priority, routing, subscribers
        from sigap.triage.models import AgentProfile

        priority.connect()
        subscribers.connect()
        # a status saved outside set_status (the admin): the agent's cached menu goes
        post_save.connect(routing.forget_menu, sender=AgentProfile, dispatch_uid="triage.menu")
