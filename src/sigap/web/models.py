"""Canned responses: reply templates with placeholders, kept per business (or per team)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Team


class CannedPurpose(models.TextChoices):
    CONFIRMATION = "confirmation", _("Konfirmasi")
    APOLOGY = "apology", _("Permintaan maaf (5R)")
    EXPLANATION = "explanation", _("Penjelasan")
    PROPOSAL = "proposal", _("Usulan solusi")
    THANKS = "thanks", _("Terima kasih")
    OTHER = "other", _("Lainnya")


class CannedResponse(models.Model):
    title = models.CharField(_("judul"), max_length=120)
    purpose = models.CharField(
        _("kegunaan"), max_length=16, choices=CannedPurpose.choices, default=CannedPurpose.OTHER
    )
    body = models.TextField(_("isi"))
    team = models.ForeignKey(
        Team,
        verbose_name=_("tim"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        help_text=_("Kosongkan agar dapat dipakai semua tim."),
    )
    active = models.BooleanField(_("aktif"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("templat balasan")
        verbose_name_plural = _("templat balasan")
        ordering = ["purpose", "title"]

    def __str__(self) -> str:
        return self.title
