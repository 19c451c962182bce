from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "sigap.tickets"
    label = "tickets"
    verbose_name = _("Tiket")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from sigap.customers.services import on_merge  # ready(): the apps are loaded now
        from sigap.tickets import canned, policy_changes, services
        from sigap.tickets.models import CannedResponse

        policy_changes.connect()
        post_save.connect(canned.invalidate, sender=CannedResponse, dispatch_uid="canned-save")
        post_delete.connect(canned.invalidate, sender=CannedResponse, dispatch_uid="canned-del")
        from sigap.tickets import notify  # who hears of what (notifications, a layer below)

        notify.connect()
        on_merge(services.tickets_move_customer)
