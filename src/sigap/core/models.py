from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a POST made with an ``Idempotency-Key`` (kept 24 hours).

    ``status`` is null while the first request is still running.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True, default="")
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class OutboxItem(models.Model):
    """Work to do once a change has committed, written in the change's own transaction
    (``core.outbox``): it survives a process that dies between the commit and the job."""

    name = models.CharField(max_length=100)  # the registered handler
    args = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # when the sweep may take it: the grace for the job queued at the commit, then the
    # lease of the worker running it, then the retry's backoff
    due_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                name="outbox_pending_due",
                condition=models.Q(done_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class Heartbeat(models.Model):
    """The last sign of life of a background part (``worker``): written when it starts and
    by a job every minute, read by ``/healthz``."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
