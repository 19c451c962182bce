from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    SLA_WARNING = "sla_warning", _("Tenggat hampir lewat")
    SLA_BREACHED = "sla_breached", _("Tenggat terlampaui")
    ESCALATED = "escalated", _("Eskalasi")
    ASSIGNED = "assigned", _("Tiket ditugaskan kepada saya")
    TRANSFERRED = "transferred", _("Tiket dipindahkan ke tim")
    APPROVAL_NEEDED = "approval_needed", _("Usulan menunggu persetujuan")
    PROPOSAL_DECIDED = "proposal_decided", _("Keputusan atas usulan saya")
    CUSTOMER_REPLIED = "customer_replied", _("Pelanggan membalas tiket saya")
    MENTIONED = "mentioned", _("Disebut dalam catatan internal")


class Notification(models.Model):
    """One entry in a user's list. Repeated events of one kind on one ticket collapse into
    the entry while it is open (unread): ``count`` goes up, ``created_at`` is the latest
    time and ``text`` the latest wording (``services.notify_many``). ``in_app`` False: the
    user wants this kind by email only, so the row only keeps the group for the mail
    (``emailed_at``) and is never listed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(default=1)
    in_app = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-id"], name="notification_user_unread"),
            # the open entry a repeated event adds to (``services.notify_many``)
            models.Index(
                fields=["user", "ticket", "kind"],
                condition=models.Q(read_at__isnull=True),
                name="notification_open_group",
            ),
        ]

    def __str__(self) -> str:
        return self.text


EMAIL_BY_DEFAULT = frozenset(
    {NotificationKind.ESCALATED, NotificationKind.APPROVAL_NEEDED, NotificationKind.MENTIONED}
)
# Admins approve too, but hear of every waiting proposal only if they ask for it.
ADMIN_OPT_IN = frozenset({NotificationKind.APPROVAL_NEEDED})


class NotificationPreference(models.Model):
    """How a user wants to hear about one kind of event. Without a row: in the app, and
    by email for escalations, approvals and mentions (``EMAIL_BY_DEFAULT``); admins hear of
    waiting approvals only when they chose to (``ADMIN_OPT_IN``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    in_app = models.BooleanField(_("di aplikasi"), default=True)
    email = models.BooleanField(_("lewat email"), default=False)

    class Meta:
        verbose_name = _("preferensi notifikasi")
        verbose_name_plural = _("preferensi notifikasi")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
