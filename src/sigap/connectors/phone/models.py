"""Phone calls: logged by an agent with the page's timer, or reported by the PBX.

Times come from the server (the agent's start and stop requests) or from the PBX's
timestamps, never from the browser's own clock. Every write is in ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INBOUND = "inbound", pgettext_lazy("call direction", "Masuk")
    OUTBOUND = "outbound", pgettext_lazy("call direction", "Keluar")


class Outcome(models.TextChoices):
    NONE = "", _("Belum dicatat")
    RESOLVED = "resolved", _("Selesai")
    CALLBACK = "callback", _("Perlu ditelepon balik")
    TRANSFERRED = "transferred", _("Dialihkan")
    NO_ANSWER = "no_answer", _("Tidak diangkat")
    VOICEMAIL = "voicemail", _("Pesan suara")


class Call(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("tiket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calls",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("pelanggan"),
        on_delete=models.PROTECT,
        related_name="calls",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    direction = models.CharField(
        _("arah"), max_length=8, choices=Direction.choices, default=Direction.INBOUND
    )
    from_number = models.CharField(_("dari nomor"), max_length=32, blank=True, default="")
    to_number = models.CharField(_("ke nomor"), max_length=32, blank=True, default="")
    started_at = models.DateTimeField(_("mulai"))
    answered_at = models.DateTimeField(_("diangkat"), null=True, blank=True)
    ended_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("durasi bicara (detik)"), default=0)
    outcome = models.CharField(
        _("hasil"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    notes = models.TextField(_("catatan"), blank=True, default="")
    transferred_to_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("dialihkan ke tim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recording_url = models.URLField(_("rekaman"), max_length=500, blank=True, default="")
    external_id = models.CharField(_("ID panggilan PBX"), max_length=255, blank=True, default="")
    # The talk seconds last written to the ticket's timeline (None: not written yet), so
    # a redelivered PBX event writes nothing and a late "answered" writes a correction.
    logged_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("panggilan")
        verbose_name_plural = _("panggilan")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-started_at"], name="call_customer_started"),
            models.Index(fields=["ticket", "-started_at"], name="call_ticket_started"),
            models.Index(
                fields=["agent"],
                condition=models.Q(ended_at__isnull=True),
                name="call_agent_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="call_external_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=["inbound", "outbound"]),
                name="call_direction_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    outcome__in=[
                        "",
                        "resolved",
                        "callback",
                        "transferred",
                        "no_answer",
                        "voicemail",
                    ]
                ),
                name="call_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Panggilan #%(id)s (%(direction)s)") % {
            "id": self.pk,
            "direction": self.get_direction_display(),
        }

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration, 60)
        return f"{minutes}:{seconds:02d}"


class AgentExtension(models.Model):
    """Which agent answers on which PBX extension (the PBX reports extensions)."""

    extension = models.CharField(_("ekstensi"), max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agen"),
        on_delete=models.CASCADE,
        related_name="phone_extensions",
    )

    class Meta:
        verbose_name = _("ekstensi agen")
        verbose_name_plural = _("ekstensi agen")
        ordering = ["extension"]

    def __str__(self) -> str:
        return self.extension
