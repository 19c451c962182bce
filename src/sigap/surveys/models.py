"""Surveys: CSAT and CES after a ticket is resolved, NPS now and then per customer.

One ``Survey`` row is one invitation. It keeps a copy of what the answer is reported by
(ticket, agent, team, channel, category, customer tier at the time it was sent), so a
ticket moved to another team later does not rewrite last month's figures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    RESOLUTION = "resolution", _("Kepuasan setelah penyelesaian (CSAT dan CES)")
    NPS = "nps", _("Kemungkinan merekomendasikan (NPS)")


class SentVia(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    WHATSAPP = "whatsapp", _("WhatsApp (pilihan cepat)")
    TELEGRAM = "telegram", _("Telegram (tombol cepat)")
    LIVECHAT = "livechat", _("Obrolan langsung (tombol di jendela obrolan)")


class Survey(models.Model):
    kind = models.CharField(_("jenis"), max_length=12, choices=SurveyKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="surveys"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="surveys"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agen"),
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("saluran"), max_length=16, blank=True)
    category = models.CharField(_("kategori"), max_length=16, blank=True)
    tier = models.CharField(_("tingkat loyalitas"), max_length=16, blank=True)
    sent_via = models.CharField(_("dikirim lewat"), max_length=12, choices=SentVia.choices)
    sent_at = models.DateTimeField(_("dikirim"), db_index=True)
    # WhatsApp/Telegram: when the job claimed sending the question (a job run twice does
    # not ask twice; cleared again when a retryable error leaves it unsent)
    asked_at = models.DateTimeField(_("pertanyaan dikirim di saluran"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kedaluwarsa"))
    ces_scale = models.PositiveSmallIntegerField(_("skala CES"), default=5)
    csat = models.PositiveSmallIntegerField(_("CSAT (1–5)"), null=True, blank=True)
    ces = models.PositiveSmallIntegerField(_("CES"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS (0–10)"), null=True, blank=True)
    comment = models.TextField(_("komentar"), blank=True)
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True, db_index=True)
    # the last time the answer was given or changed (the dashboard's cache follows it)
    changed_at = models.DateTimeField(_("diubah"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("survei")
        verbose_name_plural = _("survei")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["customer", "-sent_at"], name="survey_customer_sent")]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(ticket__isnull=False),
                name="survey_once_per_ticket",
            ),
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5),
                name="survey_csat_range",
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10),
                name="survey_nps_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ces__isnull=True) | models.Q(ces__gte=1, ces__lte=7),
                name="survey_ces_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
