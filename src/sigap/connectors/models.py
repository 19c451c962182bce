from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.tickets.models import Channel, Ticket


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


class EmailReceipt(models.Model):
    """One email taken in from a sender (filed, or kept as an automatic note): what the
    per-sender rate limit counts (``SIGAP_EMAIL_SENDER_LIMIT`` an hour). Rows older than
    the window are pruned every minute (``tasks.poll_mailboxes``)."""

    sender = models.CharField(_("pengirim"), max_length=255)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("email diterima")
        verbose_name_plural = _("email diterima")
        indexes = [models.Index(fields=["sender", "received_at"], name="email_receipt_sender")]

    def __str__(self) -> str:
        return f"{self.sender} {self.received_at:%Y-%m-%d %H:%M}"


class EmailParticipant(models.Model):
    """An address the ticket's customer copied (``Cc``) on their mail about the ticket:
    its replies thread onto the ticket, shown under its own address. Nobody else's mail
    adds one, so a stranger cannot make themselves a participant."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(_("alamat"), max_length=255)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("peserta email")
        verbose_name_plural = _("peserta email")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "address"], name="email_participant_ticket_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.ticket_id})"


class MailProtocol(models.TextChoices):
    IMAP = "imap", "IMAP"
    POP3 = "pop3", "POP3"


class MailSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("Tanpa enkripsi (hanya jaringan lokal)")


class MailAuth(models.TextChoices):
    PASSWORD = "password", _("Kata sandi")
    OAUTH2 = "oauth2", _("OAuth2 (Google Workspace, Microsoft 365)")


class Mailbox(models.Model):
    """A mailbox the worker polls, and optionally the SMTP server replies leave through.

    Its password is either stored encrypted (``password_sealed``, ``core.secretbox``) or
    read from the environment variable ``password_env`` names (the older way, still
    accepted). With ``auth = oauth2`` the stored refresh token is exchanged at
    ``oauth_token_url`` for an access token used with XOAUTH2 (IMAP and SMTP). The
    ``smtp_*`` fields are the mailbox's outgoing server; empty username and password mean
    the incoming ones. ``sends_replies``: replies to email tickets leave through this
    mailbox's SMTP server from its ``address`` (at most one mailbox)."""

    name = models.CharField(_("nama"), max_length=100)
    address = models.EmailField(_("alamat email"), max_length=254, blank=True, default="")
    protocol = models.CharField(max_length=8, choices=MailProtocol.choices, default="imap")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=MailSecurity.choices, default="ssl")
    username = models.CharField(max_length=255)
    auth = models.CharField(
        _("cara masuk"), max_length=10, choices=MailAuth.choices, default=MailAuth.PASSWORD
    )
    password_env = models.CharField(
        _("variabel lingkungan kata sandi"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("mis. SIGAP_MAIL_CS_PASSWORD"),
    )
    password_sealed = models.TextField(blank=True, default="")  # secretbox.seal(...)
    oauth_token_url = models.URLField(_("alamat token OAuth2"), blank=True, default="")
    oauth_authorize_url = models.URLField(_("alamat persetujuan OAuth2"), blank=True, default="")
    oauth_scope = models.CharField(_("cakupan OAuth2"), max_length=500, blank=True, default="")
    oauth_client_id = models.CharField(
        _("client ID OAuth2"), max_length=255, blank=True, default=""
    )
    oauth_client_secret_sealed = models.TextField(blank=True, default="")
    oauth_refresh_token_sealed = models.TextField(blank=True, default="")
    smtp_host = models.CharField(_("server SMTP"), max_length=255, blank=True, default="")
    smtp_port = models.PositiveIntegerField(_("port SMTP"), default=587)
    smtp_security = models.CharField(
        _("keamanan SMTP"), max_length=10, choices=MailSecurity.choices, default="starttls"
    )
    smtp_username = models.CharField(
        _("nama pengguna SMTP"), max_length=255, blank=True, default=""
    )
    smtp_password_sealed = models.TextField(blank=True, default="")
    sends_replies = models.BooleanField(_("mengirim balasan"), default=False)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    active = models.BooleanField(_("aktif"), default=True)
    polling_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    # Mail to this mailbox opens tickets of this brand (null: the default brand).
    brand = models.ForeignKey(
        "accounts.Brand",
        verbose_name=_("merek"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mailboxes",
    )

    class Meta:
        verbose_name = _("kotak surat")
        verbose_name_plural = _("kotak surat")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sends_replies"],
                condition=models.Q(sends_replies=True),
                name="mailbox_one_sends_replies",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Messaging channels: WhatsApp Cloud API and Telegram Bot API ----------------------------


class Provider(models.TextChoices):
    """The providers the code names (the rows' ``provider`` is any channel's value)."""

    WHATSAPP = "whatsapp", "WhatsApp"
    TELEGRAM = "telegram", "Telegram"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Diterima, menunggu dicatat")
    FILED = "filed", _("Tercatat di tiket")
    IGNORED = "ignored", _("Diabaikan")
    FAILED = "failed", _("Gagal dicatat")


class MediaState(models.TextChoices):
    NONE = "", _("Tanpa lampiran")
    PENDING = "pending", _("Menunggu unduhan")
    FETCHED = "fetched", _("Terunduh")
    FAILED = "failed", _("Gagal diunduh")


class InboundDelivery(models.Model):
    """One message (WhatsApp) or update (Telegram) a webhook delivered, stored once.

    The unique ``(provider, external_id)`` makes a redelivered webhook a no-op: WhatsApp's
    ``wamid…``, or ``<bot id>:<update_id>`` for Telegram. The webhook stores it
    ``received`` (``parsed``: what the parser read from it) and a job files it on a ticket
    (``filed``). The raw item is kept for audit; a message that could not be filed is kept
    too, with the reason (``failed``), and a later redelivery of it tries again.
    ``address`` is where replies go (``wa_id`` or ``chat.id``) and ``sent_at`` the
    provider's timestamp (WhatsApp's 24-hour window).
    """

    provider = models.CharField(max_length=10, choices=Channel.choices)  # its connector
    external_id = models.CharField(max_length=255)
    address = models.CharField(_("alamat balasan"), max_length=64, blank=True, default="")
    sender = models.CharField(_("pengirim"), max_length=64, blank=True, default="")
    status = models.CharField(max_length=8, choices=InboundStatus.choices)
    error = models.CharField(_("kesalahan"), max_length=1000, blank=True, default="")
    payload = models.JSONField()
    parsed = models.JSONField(default=dict, blank=True)
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("dikirim pelanggan"), null=True, blank=True)
    received_at = models.DateTimeField(_("diterima"), default=timezone.now)
    media = models.JSONField(default=dict, blank=True)
    media_state = models.CharField(
        max_length=8, choices=MediaState.choices, blank=True, default=MediaState.NONE
    )
    media_attempts = models.PositiveSmallIntegerField(default=0)
    media_next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pesan masuk saluran")
        verbose_name_plural = _("pesan masuk saluran")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="inbound_provider_external_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "address", "sent_at"], name="inbound_window"),
            models.Index(
                fields=["received_at"],
                condition=models.Q(status="received"),
                name="inbound_to_file",
            ),
            models.Index(
                fields=["media_next_attempt_at"],
                condition=models.Q(media_state="pending"),
                name="inbound_media_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.external_id}"


TEMPLATE_PARAM = re.compile(r"\{\{\s*(\d+)\s*\}\}")


PROPOSAL_TEMPLATE_PARAMS = 4  # customer's name, ticket reference, proposal, compensation


class WhatsAppTemplate(models.Model):
    """A message template approved by Meta: the only thing WhatsApp lets a business send
    outside the 24-hour customer-service window. ``name`` and ``language`` must match the
    template in WhatsApp Manager; ``body`` is its text with ``{{1}}``, ``{{2}}`` …

    ``for_proposals``: the template that carries a proposal's offer to a customer who has
    not written in the last 24 hours (a caller's follow-up on WhatsApp), with four body
    parameters and two quick-reply buttons (docs/whatsapp.md); at most one."""

    name = models.CharField(
        _("nama"),
        max_length=512,
        help_text=_("Sama persis dengan nama di WhatsApp Manager."),
        validators=[
            RegexValidator(
                r"^[a-z0-9_]+$",
                _("Nama templat WhatsApp hanya huruf kecil, angka, dan garis bawah."),
            )
        ],
    )
    language = models.CharField(
        _("bahasa"),
        max_length=15,
        default="id",
        help_text=_("Kode bahasa templat di WhatsApp Manager, mis. id atau en_US."),
        validators=[
            RegexValidator(
                r"^[a-z]{2,3}(_[A-Z]{2,3})?$",
                _("Kode bahasa seperti id, en, atau en_US."),
            )
        ],
    )
    body = models.TextField(_("isi"), help_text=_("Teks templat dengan parameter {{1}}, {{2}} …"))
    approved = models.BooleanField(
        _("disetujui Meta"),
        default=False,
        help_text=_("Hanya templat yang disetujui dapat dikirim."),
    )
    for_proposals = models.BooleanField(
        _("templat usulan penyelesaian"),
        default=False,
        help_text=_(
            "Dipakai untuk mengirim usulan penyelesaian lewat WhatsApp kepada pelanggan yang "
            "belum menulis dalam 24 jam terakhir (mis. penelepon). Isi: {{1}} nama pelanggan, "
            "{{2}} nomor tiket, {{3}} ringkasan usulan, {{4}} kompensasi; dua tombol balas "
            "cepat: Terima usulan dan Tolak. Hanya satu templat; dipakai setelah disetujui Meta."
        ),
    )
    # The connection whose WhatsApp Business Account holds it: a brand's own connection,
    # or the default one (empty). It is sent only through that connection.
    brand = models.ForeignKey(
        "accounts.Brand",
        verbose_name=_("merek"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="whatsapp_templates",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("templat WhatsApp")
        verbose_name_plural = _("templat WhatsApp")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language"],
                condition=models.Q(brand__isnull=True),
                name="wa_template_unique",
            ),
            models.UniqueConstraint(
                fields=["brand", "name", "language"], name="wa_template_unique_per_brand"
            ),
            models.UniqueConstraint(
                fields=["for_proposals"],
                condition=models.Q(for_proposals=True, brand__isnull=True),
                name="wa_template_one_for_proposals",
                violation_error_message=_("Sudah ada templat usulan penyelesaian lain."),
            ),
            models.UniqueConstraint(
                fields=["brand"],
                condition=models.Q(for_proposals=True),
                name="wa_template_one_for_proposals_per_brand",
                violation_error_message=_("Sudah ada templat usulan penyelesaian lain."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    def clean(self) -> None:
        """A proposal template uses exactly the parameters {{1}} to {{4}}."""
        used = {int(n) for n in TEMPLATE_PARAM.findall(self.body or "")}
        if self.for_proposals and used != set(range(1, PROPOSAL_TEMPLATE_PARAMS + 1)):
            raise ValidationError(
                {
                    "body": _(
                        "Templat usulan memerlukan tepat parameter {{1}} sampai {{4}}: nama "
                        "pelanggan, nomor tiket, ringkasan usulan, kompensasi."
                    )
                }
            )

    @property
    def param_count(self) -> int:
        return max((int(n) for n in TEMPLATE_PARAM.findall(self.body)), default=0)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu dikirim")
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim")
    DELIVERED = "delivered", _("Diterima")
    READ = "read", _("Dibaca")
    FAILED = "failed", _("Gagal")
    SKIPPED = "skipped", _("Tidak dikirim")


class OutboundDelivery(models.Model):
    """Sending one public reply through its channel's connector (the shared loop of
    ``delivery``: email, WhatsApp, Telegram, Facebook, Instagram), and what became of it.

    A reply is sent in ``parts`` (text chunks, then each attachment); ``parts_sent`` moves
    forward after each part is accepted, so a retry resumes instead of starting over.
    ``status`` follows the provider (sent → delivered → read, or failed with ``error``).
    """

    message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, related_name="channel_delivery"
    )
    provider = models.CharField(max_length=10, choices=Channel.choices)  # its connector
    recipient = models.CharField(_("penerima"), max_length=64, blank=True, default="")
    template = models.ForeignKey(
        WhatsAppTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    template_params = models.JSONField(default=list, blank=True)
    # the chatbot's choices as quick replies: the provider's message body, prepared
    # (``channels.quickreply``), sent instead of the reply's text; with a WhatsApp
    # template, ``{"template_buttons": [payload, ...]}``: its quick-reply buttons' payloads
    quick_reply = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    parts_sent = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(_("id pesan penyedia"), max_length=255, blank=True, default="")
    error = models.CharField(_("kesalahan"), max_length=1000, blank=True, default="")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pengiriman balasan saluran")
        verbose_name_plural = _("pengiriman balasan saluran")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="outbound_due",
            ),
            models.Index(
                fields=["provider", "provider_id"],
                condition=~models.Q(provider_id=""),
                name="outbound_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} → {self.recipient} ({self.get_status_display()})"


class ProposalOffer(models.Model):
    """The reply that carried an offered proposal to the customer's channel (with its
    answer buttons or links): written once per proposal, in the offer's transaction.
    ``channel`` and ``recipient``: where it went (a phone or walk-in ticket's offer goes
    to the customer's follow-up channel, e.g. WhatsApp to ``+62…``); a tap on its buttons
    must come from that recipient."""

    proposal = models.OneToOneField(
        "tickets.Proposal", on_delete=models.CASCADE, related_name="channel_offer"
    )
    message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, related_name="proposal_offer"
    )
    channel = models.CharField(_("saluran"), max_length=20, blank=True)
    recipient = models.CharField(_("penerima"), max_length=320, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # a tapped "Tolak" without a reason: when the customer was asked why, and the message
    # of theirs that was taken as the reason (once)
    reason_asked_at = models.DateTimeField(null=True, blank=True)
    reason_message = models.OneToOneField(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal_reason_of",
    )

    class Meta:
        verbose_name = _("usulan terkirim lewat saluran")
        verbose_name_plural = _("usulan terkirim lewat saluran")

    def __str__(self) -> str:
        return _("Usulan #%(proposal)s → pesan #%(message)s") % {
            "proposal": self.proposal_id,
            "message": self.message_id,
        }


class ChannelAccount(models.Model):
    """A messaging channel's connection set up on the settings page (a WhatsApp number, a
    Telegram bot, a Meta page): ``values`` holds its plain settings and ``sealed`` its
    secrets, each encrypted (``core.secretbox``), both by the name of the setting they
    stand for (``SIGAP_WHATSAPP_ACCESS_TOKEN`` …). ``verified_at``/``verified``: the
    provider's answer to the last verify step.

    At most one per provider and brand. The one without a brand is the provider's default
    connection: ``connectors.conf`` reads its values after the Django setting and the
    environment variable of the same name, so an existing environment keeps working. A
    brand's own connection (its number, bot, page) has only its stored values: messages
    to it open tickets of its brand, and replies on that brand's tickets leave through it.
    """

    provider = models.CharField(_("saluran"), max_length=20)
    values = models.JSONField(default=dict, blank=True)
    sealed = models.JSONField(default=dict, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified = models.CharField(_("hasil verifikasi"), max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)
    # Messages on this connection open tickets of this brand (null: the default connection,
    # whose tickets get the default brand).
    brand = models.ForeignKey(
        "accounts.Brand",
        verbose_name=_("merek"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="channel_accounts",
    )

    class Meta:
        verbose_name = _("akun saluran")
        verbose_name_plural = _("akun saluran")
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=models.Q(brand__isnull=True),
                name="channel_account_one_default",
            ),
            models.UniqueConstraint(
                fields=["provider", "brand"], name="channel_account_one_per_brand"
            ),
        ]

    def __str__(self) -> str:
        return self.provider
