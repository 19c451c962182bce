"""A live chat: one ticket (channel ``livechat``) plus the conversation's own state.

The chat's messages are the ticket's ``Message`` rows; their primary key is the message's
server id that the widget acknowledges and resumes from (see ``docs`` in ``consumers``).

Identity: the name, email and phone typed in the widget are a claim (``visitor_*``,
``identity`` = claimed), never a customer lookup. The ticket starts on a provisional
customer of its own (``provisional_customer``); it moves to the customer of the address
once the visitor proves it with a one-time code (``code_*``; verified) or an agent links
it (linked). The browser that started the chat holds a secret in an HttpOnly cookie; only
its hash is kept (``browser_key_hash``) and every resume checks it. See ``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sigap.customers.models import Customer
from sigap.tickets.models import Message, Ticket


class ChatStatus(models.TextChoices):
    WAITING = "waiting", _("Menunggu petugas")
    ACTIVE = "active", _("Sedang dilayani")
    ENDED = "ended", _("Selesai")


class Identity(models.TextChoices):
    CLAIMED = "claimed", _("Belum diverifikasi")
    VERIFIED = "verified", _("Diverifikasi dengan kode email")
    LINKED = "linked", _("Dihubungkan petugas")


class Chat(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="livechat")
    status = models.CharField(
        _("status"), max_length=16, choices=ChatStatus.choices, default=ChatStatus.WAITING
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("petugas"),
    )
    visitor_name = models.CharField(_("nama pengunjung"), max_length=120)
    visitor_email = models.CharField(_("email"), max_length=254, blank=True, default="")
    visitor_phone = models.CharField(_("telepon"), max_length=32, blank=True, default="")
    identity = models.CharField(
        _("identitas"), max_length=16, choices=Identity.choices, default=Identity.CLAIMED
    )
    # The customer made for this chat while its address is a claim; the ticket leaves it
    # (and it is merged away) when the address is proven or an agent links the chat.
    provisional_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of the starting browser's cookie secret: the resume credential.
    browser_key_hash = models.CharField(max_length=64, blank=True, default="")
    # The one-time code mailed to ``visitor_email``: keyed hash, expiry, wrong tries.
    code_hash = models.CharField(max_length=64, blank=True, default="")
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    # No agent was online when the chat started: the visitor was told it became a ticket.
    offline = models.BooleanField(_("tanpa petugas daring"), default=False)
    # The last message id each side has read (read receipts).
    visitor_read_id = models.BigIntegerField(default=0)
    agent_read_id = models.BigIntegerField(default=0)
    # The language the visitor is spoken to in (the page's: ``<html lang>`` or the
    # widget's ``data-lang``): the bot, the notices and the error messages.
    language = models.CharField(_("bahasa"), max_length=8, default="id")
    created_at = models.DateTimeField(_("dimulai"))
    # Since when it waits for an agent: its start, or its transfer to a team's queue.
    queued_at = models.DateTimeField(_("masuk antrean"), null=True, blank=True)
    ended_at = models.DateTimeField(_("berakhir"), null=True, blank=True)

    class Meta:
        verbose_name = _("live chat")
        verbose_name_plural = _("live chat")
        indexes = [models.Index(fields=["status", "-id"], name="livechat_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ChatStatus.values), name="livechat_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(identity__in=Identity.values), name="livechat_identity_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Live chat #{self.pk} ({self.visitor_name})"


class BotCard(models.Model):
    """How the widget shows one of the chatbot's replies (``kb.conversation.card``): its
    short text, the article's link, the quick replies, whether the bot still has the chat.
    The message's own body (the ticket's transcript) stays the full text."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="bot_card")
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Bot card of message #{self.message_id}"
