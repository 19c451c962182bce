"""The loyalty programme: the points ledger, the programme's rules, tier overrides, and
reward pools of voucher codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
