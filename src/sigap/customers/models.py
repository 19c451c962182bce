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


class OrganizationKind(models.TextChoices):
    BUSINESS = "business", _("Pelanggan bisnis")
    INTERMEDIARY = "intermediary", _("Perantara")


class Language(models.TextChoices):
    UNKNOWN = "", _("Bahasa perusahaan")
    INDONESIAN = "id", "Bahasa Indonesia"
    ENGLISH = "en", "English"


class Organization(models.Model):
    """A business customer or an intermediary (a reseller, an agent): its people are
    ``Customer`` rows with ``organization`` set. Its tier applies to every member whose own
    is lower; ``shared_visibility`` lets members follow one another's tickets in the portal."""

    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(
        _("jenis"),
        max_length=16,
        choices=OrganizationKind.choices,
        default=OrganizationKind.BUSINESS,
    )
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pemilik akun"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_organizations",
    )
    loyalty_tier = models.CharField(
        _("tingkat loyalitas"),
        max_length=16,
        choices=LoyaltyTier.choices,
        default=LoyaltyTier.REGULAR,
    )
    shared_visibility = models.BooleanField(
        _("anggota saling melihat tiket di portal"), default=False
    )
    notes = models.TextField(_("catatan"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisasi")
        verbose_name_plural = _("organisasi")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="organization_name_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[c.value for c in OrganizationKind]),
                name="organization_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(loyalty_tier__in=[c.value for c in LoyaltyTier]),
                name="organization_tier_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


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
    birthday = models.DateField(_("tanggal lahir"), null=True, blank=True)
    preferred_channel = models.CharField(
        _("saluran pilihan"),
        max_length=16,
        blank=True,
        default="",
        choices=[("", _("Tidak ada")), *ContactKind.choices],
    )
    preferred_language = models.CharField(
        _("bahasa pilihan"), max_length=8, blank=True, default="", choices=Language.choices
    )
    # Where the customer is, as the business names its areas (a province, a city): for
    # proactive notices to a region and an incident's impact. Nullable only so that adding
    # it is an ALTER TABLE on SQLite (a rebuild drops the table's search triggers); the
    # services write "" for none.
    region = models.CharField(  # noqa: DJ001
        _("wilayah"), max_length=100, null=True, blank=True
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisasi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
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

    @property
    def language(self) -> str:
        """The language Sigap writes to this customer in: theirs, else the default
        (``with translation.override(customer.language): ...``)."""
        return self.preferred_language or str(settings.LANGUAGE_CODE)


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


class CustomerChange(models.Model):
    """One field of a customer's profile changed: who, when, before → after. Written by
    ``services.customer_update`` and ``organization`` changes, never edited; erasing the
    customer (UU PDP) blanks the values."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("waktu"))
    actor_id = models.IntegerField(_("pelaku (id)"), null=True, blank=True)
    actor_name = models.CharField(_("pelaku"), max_length=150, blank=True, default="")
    field = models.CharField(_("kolom"), max_length=40)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("perubahan profil pelanggan")
        verbose_name_plural = _("perubahan profil pelanggan")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="customer_change_at")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field}"
