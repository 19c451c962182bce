"""Tickets, their messages, the complaint procedure's records and the timeline.

Models hold fields and constraints only. Every write goes through ``services.py``; the
status only changes in ``services.ticket_transition`` (table in ``transitions.py``);
``TimelineEvent`` rows are only written by ``events.py`` and never updated.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sigap.accounts.models import Team
from sigap.core.refs import ticket_reference
from sigap.customers.models import Customer


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Keluhan")
    INQUIRY = "inquiry", _("Pertanyaan")
    REQUEST = "request", _("Permintaan")


class Channel(models.TextChoices):
    PHONE = "phone", _("Telepon")
    EMAIL = "email", _("Email")
    LIVECHAT = "livechat", _("Live chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Facebook")
    X = "x", _("X (Twitter)")
    PORTAL = "portal", _("Portal web")
    WALKIN = "walkin", _("Datang langsung")


class Category(models.TextChoices):
    NONE = "", _("Belum digolongkan")
    MECHANICAL = "mechanical", _("Mekanis")
    ATTITUDINAL = "attitudinal", _("Sikap")
    SERVICE = "service", _("Layanan")
    UNUSUAL = "unusual", _("Tidak biasa")


class Severity(models.TextChoices):
    NONE = "", _("Belum dinilai")
    PENTING = "penting", _("Penting")
    SEDERHANA = "sederhana", _("Sederhana")
    KOMPLEKS = "kompleks", _("Kompleks")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 – Kritis")
    P2 = 2, _("P2 – Tinggi")
    P3 = 3, _("P3 – Normal")
    P4 = 4, _("P4 – Rendah")


class ComplainerType(models.TextChoices):
    NONE = "", _("Belum diketahui")
    ACTIVE = "active", _("Aktif")
    INACTIVE = "inactive", _("Pasif")
    HYPERACTIVE = "hyperactive", _("Hiperaktif")


class ComplainerGoal(models.TextChoices):
    NONE = "", _("Belum diketahui")
    RESTITUTION = "restitution", _("Restitusi/kompensasi")
    VENTING = "venting", _("Melampiaskan kemarahan")
    IMPROVEMENT = "improvement", _("Membantu memperbaiki layanan")
    ALTRUISTIC = "altruistic", _("Altruistis")


class ResponseType(models.TextChoices):
    NONE = "", _("Belum diketahui")
    VOICE = "voice", _("Disampaikan ke perusahaan")
    PRIVATE = "private", _("Pribadi (berhenti/cerita ke orang lain)")
    THIRD_PARTY = "third_party", _("Pihak ketiga (lembaga, media, hukum)")


class RootCause(models.TextChoices):
    NONE = "", _("Belum diketahui")
    NOT_AS_EXPECTED = "not_as_expected", _("Layanan tidak sesuai harapan")
    IGNORED = "ignored", _("Diabaikan/menunggu tanpa penjelasan")
    NOT_LISTENED = "not_listened", _("Tidak ada yang mendengarkan")
    RUDE = "rude", _("Petugas kasar/tidak membantu")
    NO_RESPONSIBILITY = "no_responsibility", _("Tidak ada yang bertanggung jawab")
    COMMUNICATION = "communication", _("Kegagalan komunikasi")


class Status(models.TextChoices):
    NEW = "new", _("Baru (Simak)")
    RECORDED = "recorded", _("Tercatat")
    CONFIRMED = "confirmed", _("Terkonfirmasi")
    IN_PROGRESS = "in_progress", _("Diproses")
    WAITING_CUSTOMER = "waiting_customer", _("Menunggu pelanggan")
    RESOLVED = "resolved", _("Selesai")
    CLOSED = "closed", _("Ditutup")


RUNNING_STATUSES = (  # open, and the clock is running (not waiting for the customer)
    Status.NEW,
    Status.RECORDED,
    Status.CONFIRMED,
    Status.IN_PROGRESS,
)
OPEN_STATUSES = (
    Status.NEW,
    Status.RECORDED,
    Status.CONFIRMED,
    Status.IN_PROGRESS,
    Status.WAITING_CUSTOMER,
)


def _choice_check(field: str, choices: type[models.Choices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": list(choices.values)}), name=name
    )


class Tag(models.Model):
    name = models.SlugField(_("nama"), max_length=50, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("label")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("saluran"), max_length=16, choices=Channel.choices)
    subject = models.CharField(_("subjek"), max_length=255)
    description = models.TextField(_("deskripsi"))
    category = models.CharField(
        _("golongan keluhan"), max_length=16, choices=Category.choices, blank=True, default=""
    )
    severity = models.CharField(
        _("tingkat"), max_length=16, choices=Severity.choices, blank=True, default=""
    )
    priority = models.PositiveSmallIntegerField(
        _("prioritas"), choices=Priority.choices, default=Priority.P3
    )
    complainer_type = models.CharField(
        _("tipe pengeluh"), max_length=16, choices=ComplainerType.choices, blank=True, default=""
    )
    complainer_goal = models.CharField(
        _("tujuan keluhan"), max_length=16, choices=ComplainerGoal.choices, blank=True, default=""
    )
    response_type = models.CharField(
        _("respons ketidakpuasan"),
        max_length=16,
        choices=ResponseType.choices,
        blank=True,
        default="",
    )
    root_cause = models.CharField(
        _("penyebab keluhan"), max_length=24, choices=RootCause.choices, blank=True, default=""
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    # No single-column indexes on customer, team and assignee: the composite indexes in
    # Meta lead with them, and each index costs every ticket write.
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("pelanggan"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("tim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penanggung jawab"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("label"), blank=True, related_name="tickets")
    # What the ticket is about, as the business names its products ("GoPay", "Paket
    # Hemat 10GB"): for notices to the customers of a product. Nullable only so that adding
    # it is an ALTER TABLE on SQLite (a rebuild drops the table's triggers); the services
    # write "" for none.
    product = models.CharField(  # noqa: DJ001
        _("produk"), max_length=100, null=True, blank=True
    )
    facts = models.TextField(_("catatan fakta dan kronologi"), blank=True, default="")
    resolution_reason = models.TextField(_("alasan penyelesaian"), blank=True, default="")
    first_response_due_at = models.DateTimeField(
        _("tenggat respons pertama"), null=True, blank=True
    )
    resolution_due_at = models.DateTimeField(_("tenggat penyelesaian"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("respons pertama"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("diselesaikan"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"))
    updated_at = models.DateTimeField(_("diperbarui"))
    version = models.PositiveIntegerField(default=1)
    # SLA bookkeeping (sigap.sla): the policy that set the due times, when to warn, what
    # the sweep already did (each step happens once), and the pause while waiting.
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # a deleted policy leaves the number; due times stay as set
        related_name="+",
    )
    sla_warn_at = models.DateTimeField(_("peringatan tenggat"), null=True, blank=True)
    sla_warned_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("tenggat terlampaui"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("tingkat eskalasi"), default=0)
    customer_reminded_at = models.DateTimeField(null=True, blank=True)
    # After the first response, each customer message starts the next-response clock;
    # a public reply stops it. The sweep records a missed one once (then clears it).
    next_response_due_at = models.DateTimeField(
        _("tenggat respons berikutnya"), null=True, blank=True
    )
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    # Merged into another ticket of the same customer (``services.ticket_merge``): this one
    # is closed and points at the one that carries on. The reverse lookup reads
    # ``TicketLink`` (kind "merged"); the partial index (``Meta``) holds only merged
    # tickets, for the database's own check when a ticket is deleted.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("digabung ke"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    # The brand the customer wrote to (the channel's, ``accounts.brands``); replies leave
    # as it. Null only on rows older than brands (read as the default brand).
    brand = models.ForeignKey(
        "accounts.Brand",
        verbose_name=_("merek"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("tiket")
        verbose_name_plural = _("tiket")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"], name="ticket_status_id"),
            models.Index(
                fields=["merged_into"],
                name="ticket_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
            models.Index(fields=["team", "status", "-id"], name="ticket_team_status_id"),
            models.Index(fields=["assignee", "status", "-id"], name="ticket_assignee_status_id"),
            models.Index(fields=["customer", "-id"], name="ticket_customer_id"),
            models.Index(fields=["channel", "-id"], name="ticket_channel_id"),
            models.Index(fields=["brand", "-id"], name="ticket_brand_id"),
            models.Index(fields=["priority", "-id"], name="ticket_priority_id"),
            models.Index(fields=["category", "-id"], name="ticket_category_id"),
            models.Index(fields=["severity", "-id"], name="ticket_severity_id"),
            # The inbox's sorts and its "recently resolved" view (web/inbox.py). Deadlines
            # only matter on open tickets: the due-time indexes cover those alone.
            # today's volume by channel (the live dashboard) reads this index alone
            models.Index(fields=["created_at", "channel"], name="ticket_created_channel"),
            # open and not waiting for the customer: overdue / due soon on the dashboard
            models.Index(
                fields=["resolution_due_at"],
                condition=models.Q(status__in=RUNNING_STATUSES),
                name="ticket_running_due",
            ),
            models.Index(
                fields=["resolution_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_due",
            ),
            models.Index(
                fields=["assignee", "resolution_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_assignee_due",
            ),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_id"),
            models.Index(  # the "escalated" view, by due time
                fields=["resolution_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES, escalation_level__gt=0),
                name="ticket_escalated_due",
            ),
            # The SLA sweep: only tickets it still has to act on are in these indexes.
            models.Index(
                fields=["resolution_due_at"],
                condition=models.Q(status__in=OPEN_STATUSES, sla_breached_at__isnull=True),
                name="ticket_sla_breach_pending",
            ),
            models.Index(
                fields=["sla_breached_at"],
                condition=models.Q(status__in=OPEN_STATUSES, escalation_level=1),
                name="ticket_escalation_pending",
            ),
            models.Index(
                fields=["first_response_due_at"],
                condition=models.Q(
                    status__in=OPEN_STATUSES,
                    first_responded_at__isnull=True,
                    first_response_breached_at__isnull=True,
                ),
                name="ticket_first_response_pending",
            ),
            models.Index(
                fields=["next_response_due_at"],
                condition=models.Q(status__in=OPEN_STATUSES, next_response_due_at__isnull=False),
                name="ticket_next_response_pending",
            ),
            models.Index(
                fields=["sla_warn_at"],
                condition=models.Q(status__in=OPEN_STATUSES, sla_warned_at__isnull=True),
                name="ticket_sla_warn_pending",
            ),
            models.Index(fields=["status", "-resolved_at"], name="ticket_status_resolved"),
        ]
        constraints = [
            _choice_check("kind", Kind, "ticket_kind_valid"),
            _choice_check("channel", Channel, "ticket_channel_valid"),
            _choice_check("category", Category, "ticket_category_valid"),
            _choice_check("severity", Severity, "ticket_severity_valid"),
            _choice_check("priority", Priority, "ticket_priority_valid"),
            _choice_check("status", Status, "ticket_status_valid"),
            _choice_check("root_cause", RootCause, "ticket_root_cause_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return ticket_reference(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("Pesan masuk")
    REPLY = "reply", _("Balasan")
    NOTE = "note", _("Catatan internal")


class Message(models.Model):
    # Indexed by message_ticket_created (ticket, created_at).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    kind = models.CharField(_("jenis"), max_length=16, choices=MessageKind.choices)
    channel = models.CharField(_("saluran"), max_length=16, choices=Channel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("isi"))
    # An email's HTML part, sanitized (nh3) when stored and again when shown; ``body`` stays
    # the text.
    body_html = models.TextField(_("isi HTML"), blank=True, default="")
    # Who actually wrote an inbound message from outside, as the channel names them (an
    # email's From address); shown on the message, since it need not be the customer.
    sender_address = models.CharField(_("alamat pengirim"), max_length=255, blank=True, default="")
    external_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        verbose_name = _("pesan")
        verbose_name_plural = _("pesan")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]
        constraints = [
            _choice_check("kind", MessageKind, "message_kind_valid"),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="message_channel_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("nama berkas"), max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Confirmation(models.Model):
    """Konfirmasi: the agent restates the core problem; the customer confirms it (or not)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="confirmations")
    restatement = models.TextField(_("pernyataan ulang masalah"))
    customer_confirmed = models.BooleanField(_("dikonfirmasi pelanggan"))
    customer_response = models.TextField(_("tanggapan pelanggan"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("konfirmasi")
        verbose_name_plural = _("konfirmasi")
        ordering = ["id"]

    def __str__(self) -> str:
        return gettext("Konfirmasi #%(id)s") % {"id": self.pk}


class Apology(models.Model):
    """An apology with the 5 R: Recognition, Responsibility, Remorse, Restitution, Repetition."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="apologies")
    recognition = models.TextField(_("pengakuan"))
    responsibility = models.TextField(_("tanggung jawab"))
    remorse = models.TextField(_("penyesalan"))
    restitution = models.TextField(_("restitusi"))
    repetition = models.TextField(_("tidak terulang"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="apology"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("permintaan maaf")
        verbose_name_plural = _("permintaan maaf")
        ordering = ["id"]

    def __str__(self) -> str:
        return _("Permintaan maaf #%(n)s") % {"n": self.pk}


class MissedDeadline(models.Model):
    """A deadline the customer was promised that passed while the ticket was ours to move:
    acknowledged to them once, with an apology and a new estimate (``overdue_apology``
    event), and the one time they may answer it with a formal escalation (teguran resmi).
    The new estimate is the promise from then on; when it passes too, it is the next row."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="missed_deadlines")
    target = models.CharField(_("tenggat"), max_length=20)  # first_response|resolution|estimate
    deadline = models.DateTimeField(_("tenggat yang terlewat"))
    new_estimate = models.DateTimeField(_("perkiraan baru"))
    acknowledged_at = models.DateTimeField(_("diakui"))
    escalated_at = models.DateTimeField(_("teguran resmi"), null=True, blank=True)
    escalation_words = models.TextField(_("kata-kata pelanggan"), blank=True, default="")

    class Meta:
        verbose_name = _("tenggat terlewat")
        verbose_name_plural = _("tenggat terlewat")
        ordering = ["ticket", "deadline"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "deadline"], name="missed_deadline_once")
        ]

    def __str__(self) -> str:
        return gettext("Tenggat terlewat #%(id)s") % {"id": self.pk}


class CompensationType(models.TextChoices):
    NONE = "none", _("Tanpa kompensasi")
    REFUND = "refund", _("Pengembalian dana")
    REPLACEMENT = "replacement", _("Penggantian barang")
    VOUCHER = "voucher", _("Voucher belanja")
    GIFT = "gift", _("Hadiah")
    DISCOUNT = "discount", _("Kupon diskon")


class ProposalStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Menunggu persetujuan supervisor")
    OFFERED = "offered", _("Ditawarkan")
    ACCEPTED = "accepted", _("Diterima")
    REJECTED = "rejected", _("Ditolak")
    WITHDRAWN = "withdrawn", _("Ditarik")
    # the supervisor's answers besides approval (``services.approvals``)
    CHANGES_REQUESTED = "changes_requested", _("Dikembalikan untuk diubah")
    DECLINED = "declined", _("Ditolak supervisor")


# Open: not yet answered. A proposal returned for changes is still the ticket's one open
# proposal: the agent edits and resubmits it (or withdraws it).
OPEN_PROPOSAL_STATUSES = (
    ProposalStatus.PENDING_APPROVAL,
    ProposalStatus.OFFERED,
    ProposalStatus.CHANGES_REQUESTED,
)
# What waits for a supervisor's decision, and what waits for the agent after one.
REVIEW_STATUSES = (ProposalStatus.PENDING_APPROVAL, ProposalStatus.CHANGES_REQUESTED)
CUSTOMER_VISIBLE_PROPOSAL_STATUSES = (
    ProposalStatus.OFFERED,
    ProposalStatus.ACCEPTED,
    ProposalStatus.REJECTED,
)


class Proposal(models.Model):
    """A resolution proposal (solusi), with compensation in whole rupiah."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="proposals")
    summary = models.TextField(_("solusi"))
    compensation_type = models.CharField(
        _("jenis kompensasi"),
        max_length=16,
        choices=CompensationType.choices,
        default=CompensationType.NONE,
    )
    compensation_amount = models.PositiveBigIntegerField(_("nilai kompensasi (Rp)"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=ProposalStatus.choices)
    requires_approval = models.BooleanField(default=False)
    alternative_to = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alternative",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # why it needs a supervisor (``tickets.approval``), e.g. "nilai kompensasi ≥ Rp 250.000"
    approval_reason = models.CharField(max_length=200, blank=True, default="")
    # the supervisor's last decision: approve, decline or ask for changes, with the note
    review_note = models.TextField(blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # fulfilment of an accepted proposal's compensation: None not recorded yet,
    # True given (voucher code or refund reference), False not given (with a note)
    compensation_given = models.BooleanField(null=True, blank=True)
    compensation_reference = models.CharField(max_length=120, blank=True, default="")
    compensation_note = models.TextField(blank=True, default="")
    compensation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    compensation_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("usulan solusi")
        verbose_name_plural = _("usulan solusi")
        ordering = ["id"]
        constraints = [
            _choice_check("status", ProposalStatus, "proposal_status_valid"),
            _choice_check("compensation_type", CompensationType, "proposal_compensation_valid"),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(status__in=["pending_approval", "offered", "changes_requested"]),
                name="proposal_one_open_per_ticket",
            ),
        ]
        indexes = [
            # the approvals queue and the fulfilment list: a status, oldest first
            models.Index(fields=["status", "created_at"], name="proposal_status_created"),
        ]

    def __str__(self) -> str:
        return _("Usulan #%(n)s (%(status)s)") % {"n": self.pk, "status": self.get_status_display()}


class EventKind(models.TextChoices):
    CREATED = "created", _("Tiket dibuat")
    FIELD_CHANGED = "field_changed", _("Kolom diubah")
    STATUS_CHANGED = "status_changed", _("Status diubah")
    ASSIGNED = "assigned", _("Penanggung jawab diubah")
    TEAM_CHANGED = "team_changed", _("Tim diubah")
    TAGS_CHANGED = "tags_changed", _("Label diubah")
    MESSAGE_RECEIVED = "message_received", _("Pesan masuk")
    REPLY_SENT = "reply_sent", _("Balasan dikirim")
    NOTE_ADDED = "note_added", _("Catatan internal")
    RECORDED = "recorded", _("Fakta dicatat")
    CONFIRMATION = "confirmation", _("Konfirmasi")
    APOLOGY = "apology", _("Permintaan maaf")
    PROPOSAL_CREATED = "proposal_created", _("Usulan dibuat")
    PROPOSAL_APPROVED = "proposal_approved", _("Usulan disetujui")
    PROPOSAL_ACCEPTED = "proposal_accepted", _("Usulan diterima")
    PROPOSAL_REJECTED = "proposal_rejected", _("Usulan ditolak")
    PROPOSAL_WITHDRAWN = "proposal_withdrawn", _("Usulan ditarik")
    PROPOSAL_REASON = "proposal_reason", _("Alasan penolakan dari pelanggan")
    PROPOSAL_DECLINED = "proposal_declined", _("Usulan ditolak supervisor")
    PROPOSAL_CHANGES = "proposal_changes", _("Usulan dikembalikan untuk diubah")
    PROPOSAL_RESUBMITTED = "proposal_resubmitted", _("Usulan diajukan ulang")
    PROPOSAL_REVIEW_NOTE = "proposal_review_note", _("Catatan supervisor atas usulan")
    COMPENSATION_RECORDED = "compensation_recorded", _("Pemberian kompensasi dicatat")
    SLA_WARNING = "sla_warning", _("Tenggat hampir lewat")
    SLA_BREACHED = "sla_breached", _("Tenggat terlampaui")
    ESCALATED = "escalated", _("Eskalasi")
    SLA_PAUSED = "sla_paused", _("Jam SLA berhenti")
    SLA_RESUMED = "sla_resumed", _("Jam SLA berjalan lagi")
    AUTOMATION = "automation", _("Otomasi")
    SURVEY_ANSWERED = "survey_answered", _("Survei dijawab")
    CALL_LOGGED = "call_logged", _("Panggilan telepon")
    MERGED = "merged", _("Tiket digabung")
    SPLIT = "split", _("Tiket dipisah")
    LINKED = "linked", _("Tautan tiket")
    OVERDUE_APOLOGY = "overdue_apology", _("Permintaan maaf atas tenggat terlewat")
    FORMAL_ESCALATION = "formal_escalation", _("Teguran resmi dari pelanggan")
    INCIDENT_LINKED = "incident_linked", _("Tautan insiden")


class TimelineEvent(models.Model):
    """Append-only record of one change. A database trigger refuses UPDATE, save one: the
    redaction of a customer's personal data (UU PDP, ``relations.privacy``), which sets
    ``redacted_at`` and may change only ``old_value``, ``new_value`` and ``data``."""

    # Indexed by event_ticket_time (ticket, created_at, id).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    # PROTECT: a trigger forbids UPDATE, so users are deactivated rather than deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    field = models.CharField(max_length=40, blank=True, default="")
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=False, help_text=_("Terlihat oleh pelanggan."))
    created_at = models.DateTimeField()
    # Set by the one UPDATE the trigger allows (tickets/0027): personal words redacted.
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("peristiwa kronologi")
        verbose_name_plural = _("kronologi")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"


class LinkKind(models.TextChoices):
    RELATED = "related", _("Terkait")
    SPLIT = "split", _("Dipisah dari")  # from: the new ticket; to: the one it came from
    MERGED = "merged", _("Digabung ke")  # from: the merged (closed) ticket; to: the kept one


class TicketLink(models.Model):
    """Two tickets that belong together (``services.links``). "related" is symmetric and
    stored once, the lower id first; "split" and "merged" point from the newer or retired
    ticket to the other. One row per pair and kind."""

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("jenis"), max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tautan tiket")
        verbose_name_plural = _("tautan tiket")
        ordering = ["id"]
        constraints = [
            _choice_check("kind", LinkKind, "ticketlink_kind_valid"),
            models.UniqueConstraint(
                fields=["from_ticket", "to_ticket", "kind"], name="ticketlink_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_ticket=models.F("to_ticket")),
                name="ticketlink_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} {self.kind} {self.to_ticket_id}"


class TicketSearchDocument(models.Model):
    """The text of a ticket for full-text search, stemmed with Sastrawi (``search.py``).

    ``staff_text`` holds everything (facts and internal notes too); ``public_text`` only
    what the customer may see. PostgreSQL adds generated ``tsvector`` columns with GIN
    indexes over both; SQLite keeps an FTS5 index in step through triggers.
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    staff_text = models.TextField(default="")
    public_text = models.TextField(default="")

    class Meta:
        verbose_name = _("dokumen pencarian")
        verbose_name_plural = _("dokumen pencarian")

    def __str__(self) -> str:
        return gettext("Dokumen pencarian %(id)s") % {"id": self.ticket_id}


# --- canned responses: reply templates with placeholders (``tickets.canned``) -------------


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
    # A macro: what applying it also changes, each through the services (web/views/macros.py).
    set_status = models.CharField(
        _("ubah status menjadi"), max_length=20, choices=Status.choices, blank=True, default=""
    )
    add_tags = models.CharField(
        _("tambah label"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Dipisah koma, mis. paket-terlambat, vip."),
    )
    set_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tetapkan penanggung jawab"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_team = models.ForeignKey(
        Team,
        verbose_name=_("alihkan ke tim"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("templat balasan")
        verbose_name_plural = _("templat balasan")
        ordering = ["purpose", "title"]
        db_table = "web_cannedresponse"  # made by the web app; moved here without a copy

    def __str__(self) -> str:
        return self.title

    @property
    def tags_to_add(self) -> list[str]:
        return [t.strip() for t in self.add_tags.split(",") if t.strip()]

    @property
    def is_macro(self) -> bool:
        return bool(self.set_status or self.tags_to_add or self.set_assignee_id or self.set_team_id)


# --- approval rules: when a proposal needs a supervisor (``tickets.approval``) ----------------


class ApprovalRule(models.Model):
    """When a proposal waits for a supervisor's approval: on these severities, and/or from
    this compensation amount. One row per team; the row without a team is the default of
    every team without its own (and of tickets without a team); without that row the
    built-in default holds (``approval.DEFAULT_RULE``: *kompleks*, or Rp 250.000 and more)."""

    team = models.OneToOneField(
        Team,
        verbose_name=_("tim"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval_rule",
        help_text=_("Kosongkan untuk aturan bawaan semua tim."),
    )
    severities = models.JSONField(
        _("tingkat keluhan yang perlu persetujuan"), default=list, blank=True
    )
    amount_threshold = models.PositiveBigIntegerField(
        _("perlu persetujuan bila kompensasi ≥ (Rp)"),
        null=True,
        blank=True,
        help_text=_("Kosongkan bila nilai kompensasi tidak menentukan."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aturan persetujuan")
        verbose_name_plural = _("aturan persetujuan")
        constraints = [
            # one default row (team NULL) besides the one-per-team of the OneToOneField
            models.UniqueConstraint(
                Coalesce("team", models.Value(0)),
                name="approval_rule_one_per_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_threshold__isnull=True)
                | models.Q(amount_threshold__gte=1),
                name="approval_rule_threshold_positive",
            ),
        ]

    def __str__(self) -> str:
        if self.team is None:
            return gettext("Aturan persetujuan bawaan")
        return gettext("Aturan persetujuan %(team)s") % {"team": self.team}
