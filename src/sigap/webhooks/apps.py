from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "sigap.webhooks"
    label = "webhooks"
    verbose_name = _("Webhook keluar")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from sigap.customers.services import on_announce  # ready(): models are loaded
        from sigap.webhooks import catalogue, outbox
        from sigap.webhooks.models import Webhook

        post_save.connect(outbox.invalidate, sender=Webhook, dispatch_uid="webhook-save")
        post_delete.connect(outbox.invalidate, sender=Webhook, dispatch_uid="webhook-delete")
        on_announce(catalogue.emit)
