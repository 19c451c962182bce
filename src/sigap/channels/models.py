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


class MailProtocol(models.TextChoices):
    IMAP = "imap", "IMAP"
    POP3 = "pop3", "POP3"


class MailSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("Tanpa enkripsi (hanya jaringan lokal)")


class Mailbox(models.Model):
    """A mailbox the worker polls. The password is never stored: ``password_env`` names
    the environment variable that holds it (secrets come from the environment)."""

    name = models.CharField(_("nama"), max_length=100)
    protocol = models.CharField(max_length=8, choices=MailProtocol.choices, default="imap")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=MailSecurity.choices, default="ssl")
    username = models.CharField(max_length=255)
    password_env = models.CharField(
        _("variabel lingkungan kata sandi"), max_length=100, help_text="mis. SIGAP_MAIL_CS_PASSWORD"
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    active = models.BooleanField(_("aktif"), default=True)
    polling_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("kotak surat")
        verbose_name_plural = _("kotak surat")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
