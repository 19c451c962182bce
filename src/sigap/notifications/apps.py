from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "sigap.notifications"
    label = "notifications"
    verbose_name = _("Notifikasi")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from sigap.notifications import services, tasks  # noqa: F401  (tasks: its outbox handler)
        from sigap.notifications.models import Notification

        # an entry saved one by one (the admin): the owner's cached unread count goes; the
        # services' bulk writes drop it themselves
        post_save.connect(
            services.forget_menu, sender=Notification, dispatch_uid="notifications.menu"
        )
