from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuarantinedEmail(models.Model):
    """Mail that could not become a ticket message, kept whole with the reason, so that
    nothing is lost: an admin can read it and retry it (``sigap email-retry``)."""

    raw = models.BinaryField()
    reason = models.CharField(_("alasan"), max_length=300)
    message_id = models.CharField(max_length=255, blank=True, default="")
    sender = models.CharField(_("pengirim"), max_length=255, blank=True, default="")
    subject = models.CharField(_("subjek"), max_length=255, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("email karantina")
        verbose_name_plural = _("email karantina")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject} ({self.reason})"
