"""The loyalty programme: the points ledger, the programme's rules, tier overrides, and
reward pools of voucher codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.customers.models import LoyaltyTier


class EntryKind(models.TextChoices):
    PURCHASE = "purchase", _("Pembelian")
    ANNIVERSARY = "anniversary", _("Ulang tahun keanggotaan")
    MANUAL = "manual", _("Pemberian manual")
    REDEMPTION = "redemption", _("Penukaran")
    EXPIRY = "expiry", _("Kedaluwarsa")
    ADJUSTMENT = "adjustment", _("Koreksi")


APPEND_ONLY = "the points ledger is append-only"


class PointsEntryQuerySet(models.QuerySet["PointsEntry"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)

    def redact_reasons(self, text: str) -> int:
        """The ledger's one sanctioned UPDATE, as the timeline's (tickets/0027): an erased
        customer's (UU PDP) reasons typed by people become ``text``, each line marked
        ``redacted_at``; the points, amounts, kinds, times and transaction ids stay."""
        return super().update(reason=text, redacted_at=timezone.now())


# Ledger lines whose reason people type (the rest Sigap words itself: a purchase's
# transaction id, an expiry, a membership anniversary).
WORDED_KINDS = ("manual", "adjustment", "redemption")


class PointsEntry(models.Model):
    """One line of a customer's points ledger: never changed or deleted; a correction is a
    new line. ``external_id``: the business's own order or transaction id, so posting the
    same purchase twice (a retried API call, a CSV imported again) adds nothing twice."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="points"
    )
    at = models.DateTimeField(_("waktu"))
    kind = models.CharField(_("jenis"), max_length=16, choices=EntryKind.choices)
    points = models.IntegerField(_("poin"))
    spend = models.PositiveBigIntegerField(_("belanja (Rp)"), default=0)
    reason = models.CharField(_("alasan"), max_length=300)
    external_id = models.CharField(_("nomor transaksi"), max_length=100, blank=True, default="")
    expires_at = models.DateTimeField(_("kedaluwarsa"), null=True, blank=True)
    actor_id = models.IntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True, default="")
    # Set by the one update the ledger allows (``PointsEntryQuerySet.redact_reasons``).
    redacted_at = models.DateTimeField(null=True, blank=True)

    objects = PointsEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entri poin")
        verbose_name_plural = _("entri poin")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="points_customer_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="points_external_id_once",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[c.value for c in EntryKind]),
                name="points_kind_valid",
            ),
            models.CheckConstraint(condition=~models.Q(points=0, spend=0), name="points_or_spend"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.points:+d} {self.kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)


class Programme(models.Model):
    """The loyalty programme's rules (one row). Tiers come from the points or the spend
    earned over the last ``window_months``: a customer rises to a tier when they reach its
    threshold and falls below it only when they drop under ``hysteresis_percent`` less than
    it, so a customer at the edge does not flip every day."""

    class Basis(models.TextChoices):
        POINTS = "points", _("Poin")
        SPEND = "spend", _("Belanja (Rp)")

    active = models.BooleanField(_("program aktif"), default=False)
    rupiah_per_point = models.PositiveIntegerField(_("Rp per poin"), default=10_000)
    expiry_months = models.PositiveSmallIntegerField(
        _("poin kedaluwarsa setelah (bulan)"), default=12
    )
    window_months = models.PositiveSmallIntegerField(_("jendela tingkat (bulan)"), default=12)
    basis = models.CharField(
        _("dasar tingkat"), max_length=8, choices=Basis.choices, default=Basis.POINTS
    )
    silver_from = models.PositiveBigIntegerField(_("Silver mulai"), default=500)
    gold_from = models.PositiveBigIntegerField(_("Gold mulai"), default=2_000)
    platinum_from = models.PositiveBigIntegerField(_("Platinum mulai"), default=5_000)
    hysteresis_percent = models.PositiveSmallIntegerField(_("histeresis (%)"), default=10)
    anniversary_points = models.PositiveIntegerField(_("poin ulang tahun keanggotaan"), default=0)
    birthday_pool = models.ForeignKey(
        "RewardPool",
        verbose_name=_("hadiah ulang tahun dari"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program loyalitas")
        verbose_name_plural = _("program loyalitas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(silver_from__lt=models.F("gold_from"))
                & models.Q(gold_from__lt=models.F("platinum_from")),
                name="programme_thresholds_rise",
            ),
            models.CheckConstraint(
                condition=models.Q(hysteresis_percent__lte=90), name="programme_hysteresis_max"
            ),
            models.CheckConstraint(
                condition=models.Q(rupiah_per_point__gt=0), name="programme_rupiah_per_point"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Program loyalitas"))


class TierOverride(models.Model):
    """A tier set by hand: it wins over the computed one until ``until`` (or for good),
    with its reason; every override is kept."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="tier_overrides"
    )
    tier = models.CharField(_("tingkat"), max_length=16, choices=LoyaltyTier.choices)
    reason = models.CharField(_("alasan"), max_length=300)
    until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    at = models.DateTimeField(_("waktu"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("tingkat manual")
        verbose_name_plural = _("tingkat manual")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="tier_override_customer_at")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.tier}"


class RewardPool(models.Model):
    """A pool of voucher codes: imported from a CSV or generated from a format."""

    name = models.CharField(_("nama"), max_length=120, unique=True)
    value = models.PositiveBigIntegerField(_("nilai (Rp)"), default=0)
    description = models.CharField(_("keterangan"), max_length=300, blank=True, default="")
    valid_until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kumpulan voucher")
        verbose_name_plural = _("kumpulan voucher")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IssueReason(models.TextChoices):
    COMPENSATION = "compensation", _("Kompensasi")
    BIRTHDAY = "birthday", _("Hadiah ulang tahun")
    MANUAL = "manual", _("Pemberian manual")


class Voucher(models.Model):
    """One code. Issued at most once (``issued_to`` is set by one conditional UPDATE), its
    redemption recorded when the business reports it."""

    pool = models.ForeignKey(RewardPool, on_delete=models.PROTECT, related_name="vouchers")
    code = models.CharField(_("kode"), max_length=64, unique=True)
    issued_to = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vouchers",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issue_reason = models.CharField(
        max_length=16, choices=IssueReason.choices, blank=True, default=""
    )
    # what it was issued for: "proposal:12", "birthday:2026" (one birthday gift a year)
    issue_key = models.CharField(max_length=64, blank=True, default="")
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("voucher")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["pool", "id"],
                condition=models.Q(issued_to__isnull=True),
                name="voucher_free",
            ),
            models.Index(fields=["issued_to", "-issued_at"], name="voucher_customer_issued"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issued_to", "issue_key"],
                condition=~models.Q(issue_key=""),
                name="voucher_issued_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.code


# --- proactive contact: consent and campaigns ---------------------------------------------------


class Purpose(models.TextChoices):
    SERVICE = "service", _("Pemberitahuan layanan")
    MARKETING = "marketing", _("Pemasaran dan ucapan")


class ConsentSource(models.TextChoices):
    AGENT = "agent", _("Dicatat petugas")
    CUSTOMER = "customer", _("Dari pelanggan (portal atau formulir)")
    IMPORT = "import", _("Impor")
    REPLY_STOP = "reply_stop", _("Balasan STOP/BERHENTI")
    UNSUBSCRIBE_LINK = "link", _("Tautan berhenti berlangganan")


class Consent(models.Model):
    """Whether a customer may be contacted first for one purpose: the latest word, with
    where it came from and when (each change is also written to the customer's audit,
    ``CustomerChange``). No row means no consent: nobody is contacted by default."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("tujuan"), max_length=16, choices=Purpose.choices)
    granted = models.BooleanField(_("bersedia"))
    source = models.CharField(_("sumber"), max_length=16, choices=ConsentSource.choices)
    at = models.DateTimeField(_("waktu"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("persetujuan kontak")
        verbose_name_plural = _("persetujuan kontak")
        constraints = [
            models.UniqueConstraint(fields=["customer", "purpose"], name="consent_once"),
            models.CheckConstraint(
                condition=models.Q(purpose__in=[c.value for c in Purpose]),
                name="consent_purpose_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["purpose", "customer"],
                condition=models.Q(granted=True),
                name="consent_granted",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose} {'+' if self.granted else '-'}"


class CampaignChannel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", _("Email")
    TELEGRAM = "telegram", "Telegram"


class CampaignKind(models.TextChoices):
    NOTICE = "notice", _("Pemberitahuan")
    BIRTHDAY = "birthday", _("Ucapan ulang tahun")
    TIER_CHANGE = "tier_change", _("Perubahan tingkat")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    QUEUED = "queued", _("Dalam antrean")
    DONE = "done", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class Campaign(models.Model):
    """A notice to a segment of customers on one channel: drafted, previewed, then queued
    (one ``CampaignRecipient`` per customer, inserted in bulk) and sent from ``send_at``
    by the minute job at no more than ``rate_per_minute``. ``segment``: the filters it was
    drawn with (``campaigns.Segment``). ``key``: for the system's own campaigns (birthday
    greetings of a day, tier changes), so the same one is never made twice."""

    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(
        _("jenis"), max_length=16, choices=CampaignKind.choices, default=CampaignKind.NOTICE
    )
    key = models.CharField(max_length=100, blank=True, default="")
    purpose = models.CharField(_("tujuan"), max_length=16, choices=Purpose.choices)
    channel = models.CharField(_("saluran"), max_length=16, choices=CampaignChannel.choices)
    template = models.ForeignKey(
        "sigap_channels.WhatsAppTemplate",
        verbose_name=_("templat WhatsApp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    template_params = models.JSONField(default=list, blank=True)
    subject = models.CharField(_("subjek email"), max_length=200, blank=True, default="")
    body = models.TextField(_("isi"), blank=True, default="")
    segment = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    send_at = models.DateTimeField(_("kirim mulai"), null=True, blank=True)
    rate_per_minute = models.PositiveIntegerField(_("batas per menit"), default=60)
    recipients_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kampanye")
        verbose_name_plural = _("kampanye")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="campaign_key_once"
            ),
            models.CheckConstraint(
                condition=models.Q(rate_per_minute__gt=0), name="campaign_rate_positive"
            ),
        ]
        indexes = [
            models.Index(
                fields=["send_at"], condition=models.Q(status="queued"), name="campaign_due"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RecipientState(models.TextChoices):
    QUEUED = "queued", _("Menunggu dikirim")
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim")
    FAILED = "failed", _("Gagal")
    SKIPPED = "skipped", _("Tidak dikirim")
    UNCERTAIN = "uncertain", _("Tidak pasti (pengiriman terputus)")


class CampaignRecipient(models.Model):
    """One customer of a campaign: at most one per (campaign, customer), so queueing twice
    adds nobody twice. Sent by claiming the row (``queued`` → ``sending``, a conditional
    UPDATE) before the provider is called, so no two workers send it; a row a crashed
    worker left ``sending`` is never sent again (``uncertain``)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_messages"
    )
    channel = models.CharField(max_length=16, choices=CampaignChannel.choices)
    params = models.JSONField(default=dict, blank=True)  # values of this customer's message
    state = models.CharField(
        max_length=10, choices=RecipientState.choices, default=RecipientState.QUEUED
    )
    address = models.CharField(_("alamat"), max_length=320, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=255, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    reply_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.CharField(_("kesalahan"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("penerima kampanye")
        verbose_name_plural = _("penerima kampanye")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="campaign_recipient_once"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "id"], name="campaign_recipient_state"),
            models.Index(
                fields=["channel", "sent_at"],
                condition=models.Q(sent_at__isnull=False),
                name="campaign_recipient_sent",
            ),
            models.Index(fields=["customer", "sent_at"], name="campaign_recipient_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.customer_id} ({self.state})"


# --- incidents (``relations.incidents``) ------------------------------------------------------


class IncidentStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Dugaan")
    OPEN = "open", _("Terbuka")
    RESOLVED = "resolved", _("Selesai")
    DISMISSED = "dismissed", _("Diabaikan")


class Incident(models.Model):
    """One problem that touches many customers at once. The surge detector suggests one
    ("possible incident: 14 tickets about 'gagal bayar gopay' since 10:05"); a supervisor
    confirms it (open) or dismisses it. ``keywords``: the stemmed terms its tickets share
    (new tickets with enough of them are linked while it is open); ``category``: their
    ticket category ("" when not classified yet). Impact is computed from the linked
    tickets, never stored."""

    title = models.CharField(_("judul"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    category = models.CharField(_("kategori"), max_length=16, blank=True, default="")
    keywords = models.JSONField(_("kata kunci"), default=list, blank=True)
    label = models.CharField(_("topik"), max_length=200, blank=True, default="")
    since = models.DateTimeField(_("sejak"))
    detected_count = models.PositiveIntegerField(_("tiket saat terdeteksi"), default=0)
    expected_count = models.FloatField(_("tiket biasanya"), default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penanggung jawab"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cause = models.TextField(_("penyebab"), blank=True, default="")
    follow_up = models.TextField(_("tindak lanjut"), blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    tickets_closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("insiden")
        verbose_name_plural = _("insiden")
        ordering = ["-since", "-id"]
        indexes = [models.Index(fields=["status", "-since"], name="incident_status_since")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[c.value for c in IncidentStatus]),
                name="incident_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN


class ActionKind(models.TextChoices):
    DETECTED = "detected", _("Terdeteksi")
    CONFIRMED = "confirmed", _("Dikonfirmasi")
    DISMISSED = "dismissed", _("Diabaikan")
    OPENED = "opened", _("Dibuka")
    STEP = "step", _("Langkah")
    UPDATED = "updated", _("Diubah")
    LINKED = "linked", _("Tiket ditautkan")
    UNLINKED = "unlinked", _("Tautan dilepas")
    ANSWERED = "answered", _("Jawaban ke semua tiket")
    RESOLVED = "resolved", _("Diselesaikan")
    CLOSED = "closed", _("Tiket ditutup bersama")


class IncidentActionQuerySet(models.QuerySet["IncidentAction"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("an incident's actions are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("an incident's actions are append-only")


class IncidentAction(models.Model):
    """What happened on an incident and when (append-only): the timeline of its report."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    at = models.DateTimeField(_("waktu"))
    kind = models.CharField(_("jenis"), max_length=12, choices=ActionKind.choices)
    text = models.TextField(_("keterangan"), blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = IncidentActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("tindakan insiden")
        verbose_name_plural = _("tindakan insiden")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[c.value for c in ActionKind]),
                name="incident_action_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("an incident's actions are append-only")
        super().save(*args, **kwargs)


class LinkHow(models.TextChoices):
    DETECTED = "detected", _("Terdeteksi")
    MANUAL = "manual", _("Manual")
    AUTO = "auto", _("Otomatis")


class IncidentTicket(models.Model):
    """A ticket linked to an incident (a ticket belongs to one incident at most)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="incident_link"
    )
    how = models.CharField(max_length=10, choices=LinkHow.choices)
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("tiket insiden")
        verbose_name_plural = _("tiket insiden")
        indexes = [models.Index(fields=["incident", "ticket"], name="incident_ticket_pair")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.ticket_id}"


class IncidentAnswer(models.Model):
    """One message for all the tickets of an incident, sent to each on its own channel
    (``IncidentSend`` records each ticket's, so a rerun sends nobody a second copy)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="answers")
    body = models.TextField(_("isi"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("jawaban insiden")
        verbose_name_plural = _("jawaban insiden")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.created_at:%Y-%m-%d %H:%M}"


class SendStatus(models.TextChoices):
    SENT = "sent", _("Terkirim")
    FAILED = "failed", _("Gagal")


class IncidentSend(models.Model):
    answer = models.ForeignKey(IncidentAnswer, on_delete=models.CASCADE, related_name="sends")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=SendStatus.choices)
    error = models.CharField(max_length=300, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "ticket"], name="incident_send_once"),
        ]

    def __str__(self) -> str:
        return f"{self.answer_id} {self.ticket_id} {self.status}"


class SurgeTermCount(models.Model):
    """How many new tickets of a category mentioned a (stemmed) term in one hour: the
    detector's baseline, filled as it reads new tickets."""

    hour = models.DateTimeField()
    category = models.CharField(max_length=16, blank=True, default="")
    term = models.CharField(max_length=60)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "term", "hour"], name="surge_term_hour_once"
            ),
        ]
        indexes = [models.Index(fields=["hour"], name="surge_term_hour")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H} {self.category} {self.term} {self.count}"


class SurgeState(models.Model):
    """The detector's progress (one row): the last ticket whose terms are counted."""

    last_ticket_id = models.BigIntegerField(default=0)
    ran_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"surge state {self.last_ticket_id}"
