from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("Eksternal")
    INTERMEDIARY = "intermediary", _("Pelanggan antara")


class Temperament(models.TextChoices):
    UNKNOWN = "", _("Belum diketahui")
    QUIET = "quiet", _("Pendiam")
    TALKATIVE = "talkative", _("Banyak bicara")
    ARROGANT = "arrogant", _("Sombong")
    PROUD = "proud", _("Angkuh")
    THRIFTY = "thrifty", _("Hemat")
    COMPARER = "comparer", _("Suka membandingkan")


class LoyaltyTier(models.TextChoices):
    REGULAR = "regular", _("Reguler")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    PLATINUM = "platinum", _("Platinum")


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Telepon")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Facebook")
    X = "x", _("X")


class Customer(models.Model):
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(
        _("jenis pelanggan"),
        max_length=16,
        choices=CustomerKind.choices,
        default=CustomerKind.EXTERNAL,
    )
    temperament = models.CharField(
        _("temperamen"), max_length=16, choices=Temperament.choices, blank=True, default=""
    )
    loyalty_tier = models.CharField(
        _("tingkat loyalitas"),
        max_length=16,
        choices=LoyaltyTier.choices,
        default=LoyaltyTier.REGULAR,
    )
    notes = models.TextField(_("catatan"), blank=True, default="")
    time_zone = models.CharField(
        _("zona waktu"),
        max_length=32,
        blank=True,
        default="",
        choices=[
            ("", _("Zona waktu perusahaan")),
            ("Asia/Jakarta", "WIB"),
            ("Asia/Makassar", "WITA"),
            ("Asia/Jayapura", "WIT"),
        ],
        help_text=_("Tenggat ditampilkan kepada pelanggan dalam zona waktu ini."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun portal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # Merged into another record (``services.customer_merge``): kept, not deleted, so
    # nothing is lost; its tickets, contacts, surveys and calls now belong to that one.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("digabung ke"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_customers",
    )
    merged_at = models.DateTimeField(_("digabung"), null=True, blank=True)

    class Meta:
        verbose_name = _("pelanggan")
        verbose_name_plural = _("pelanggan")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[c.value for c in CustomerKind]),
                name="customer_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(loyalty_tier__in=[c.value for c in LoyaltyTier]),
                name="customer_tier_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0] if self.name else ""


class CustomerContact(models.Model):
    """One identity of a customer on one channel, stored normalised (E.164, lowercase)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("jenis"), max_length=16, choices=ContactKind.choices)
    value = models.CharField(_("nilai"), max_length=254)
    is_primary = models.BooleanField(_("utama"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kontak")
        verbose_name_plural = _("kontak")
        ordering = ["-is_primary", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="contact_kind_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
