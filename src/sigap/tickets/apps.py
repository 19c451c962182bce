from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "sigap.tickets"
    label = "tickets"
    verbose_name = _("Tiket")

    def ready(self) -> None:
        from sigap.customers.services import on_merge  # ready(): the apps are loaded now
        from sigap.tickets import policy_changes, services

        policy_changes.connect()
        from sigap.tickets import notify  # who hears of what (notifications, a layer below)

        notify.connect()
        on_merge(services.tickets_move_customer)
