"""Outgoing webhooks for integrations, and their delivery log."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    name = models.CharField(_("nama"), max_length=100)
    url = models.URLField(_("alamat"), max_length=500)
    secret = models.CharField(
        _("rahasia penanda tangan"),
        max_length=100,
        default=new_secret,
        help_text=_("Dipakai untuk tanda tangan HMAC-SHA256 di header X-Sigap-Signature."),
    )
    events = models.JSONField(
        _("peristiwa"),
        default=list,
        blank=True,
        help_text=_("Jenis peristiwa kronologi yang dikirim; kosong berarti semua."),
    )
    active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhook")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    SUCCEEDED = "succeeded", _("Terkirim")
    FAILED = "failed", _("Gagal")


class WebhookDelivery(models.Model):
    """One event for one webhook: written with the change (outbox), sent by the worker,
    retried with backoff. The receiver dedupes on ``X-Sigap-Delivery`` (= ``id``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32)
    payload = models.JSONField()
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pengiriman webhook")
        verbose_name_plural = _("pengiriman webhook")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"
