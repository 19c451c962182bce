from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agen")
    CUSTOMER = "customer", _("Pelanggan")


STAFF_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})
# The system user (``accounts.system``): what Sigap does by itself is done as it.
SYSTEM_USERNAME = "sigap-otomasi"


class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=16, choices=Role.choices, default=Role.AGENT)
    # When the email address was proven (a link mailed to it was opened) or vouched for by
    # staff who made the account. A customer's account that is not active and has no such
    # time is a sign-up waiting for its link; one that has it was switched off by staff,
    # and only staff switch it on again.
    email_verified_at = models.DateTimeField(_("email terverifikasi"), null=True, blank=True)
    # A portal sign-up waiting for the link mailed to its address: the only state a link
    # may activate. An account staff switched off is not one, whatever else it lacks.
    signup_pending = models.BooleanField(_("pendaftaran menunggu tautan"), default=False)
    # Raised to sign the user out of every browser at once (``accounts.sessions.end_all``):
    # it is part of what each session's cookie is checked against.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_valid"
            )
        ]

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_agent_or_above(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_supervisor_or_admin(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    def get_full_name(self) -> str:
        """The system user's name in the reader's language (its stored name is in the
        business's, written once); anyone else's as Django gives it. Reads no field a
        page did not load: a user read without ``username`` is named as stored."""
        if self.__dict__.get("username") == SYSTEM_USERNAME:
            return gettext("Otomasi Sigap")
        return super().get_full_name()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def get_session_auth_hash(self) -> str:
        """Django's check of a session against the password, with the session epoch: a
        new epoch ends every session (at epoch 0, exactly Django's own hash)."""
        if not self.session_epoch:
            return super().get_session_auth_hash()
        return salted_hmac(
            "sigap.accounts.session",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()


class Team(models.Model):
    name = models.CharField(_("nama"), max_length=100, unique=True)
    slug = models.SlugField(_("kode"), max_length=50, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("anggota"), related_name="teams", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tim")
        verbose_name_plural = _("tim")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("nama"), max_length=100, default="cli")
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SecurityKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Masuk")
    SIGN_IN_FAILED = "sign_in_failed", _("Gagal masuk")
    LOCKED_OUT = "locked_out", _("Terkunci (terlalu banyak gagal)")
    SIGN_OUT = "sign_out", _("Keluar")
    TOKEN_CREATED = "token_created", _("Token API dibuat")
    TOKEN_REVOKED = "token_revoked", _("Token API dicabut")
    ROLE_CHANGED = "role_changed", _("Peran diubah")
    ACTIVATED = "activated", _("Akun diaktifkan")
    DEACTIVATED = "deactivated", _("Akun dinonaktifkan")
    PASSWORD_CHANGED = "password_changed", _("Kata sandi diubah")
    TEAM_CHANGED = "team_changed", _("Anggota tim diubah")
    TWOFA_ENABLED = "2fa_enabled", _("2FA diaktifkan")
    TWOFA_DISABLED = "2fa_disabled", _("2FA dimatikan")
    TWOFA_RESET = "2fa_reset", _("2FA disetel ulang oleh admin")
    TWOFA_FAILED = "2fa_failed", _("Kode 2FA salah")
    RECOVERY_USED = "recovery_used", _("Kode pemulihan dipakai")
    RECOVERY_REGENERATED = "recovery_new", _("Kode pemulihan dibuat ulang")
    SESSIONS_ENDED = "sessions_ended", _("Sesi diakhiri")
    EXPORT = "export", _("Data diekspor")
    DATA_ERASED = "data_erased", _("Data pribadi pelanggan dihapus")
    SETTINGS_CHANGED = "settings_changed", _("Pengaturan diubah")
    SSO_PROVISIONED = "sso_provisioned", _("Akun dibuat lewat SSO")
    INVITED = "invited", _("Diundang lewat email")
    INVITATION_ACCEPTED = "invite_accepted", _("Undangan diterima")


APPEND_ONLY = "the security audit log is append-only"


SUBJECT_SALT = "sigap.accounts.SecurityEvent.subject"


def subject_digests(name: str) -> list[str]:
    """The ``SecurityEvent.subject`` of a typed name or address (any case), under the
    current secret key and then each older one still accepted (a row recorded before a
    key rotation is still found). Empty for an empty name."""
    value = name.strip().casefold()
    if not value:
        return []
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(SUBJECT_SALT, value, secret=k, algorithm="sha256").hexdigest() for k in keys
    ]


class SecurityEventQuerySet(models.QuerySet["SecurityEvent"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)

    def update(self, **kwargs: object) -> int:
        raise PermissionError(APPEND_ONLY)


class SecurityEvent(models.Model):
    """The security audit log: append-only (the database refuses to change or delete a
    row). People are kept by id and name, not by foreign key, so the record outlives the
    account it names."""

    at = models.DateTimeField(_("waktu"), db_index=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=SecurityKind.choices)
    actor_id = models.IntegerField(_("pelaku (id)"), null=True, blank=True)
    actor_name = models.CharField(_("pelaku"), max_length=150, blank=True, default="")
    user_id = models.IntegerField(_("akun yang dikenai (id)"), null=True, blank=True)
    user_name = models.CharField(_("akun yang dikenai"), max_length=150, blank=True, default="")
    ip = models.CharField(_("alamat IP"), max_length=45, blank=True, default="")
    detail = models.CharField(_("rincian"), max_length=500, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    # Set by the one UPDATE the trigger allows (accounts/0013): an erased customer's name
    # and address replaced by a pseudonym (``audit.pseudonymise``); kind, time, ids and
    # address stay.
    pseudonymised_at = models.DateTimeField(null=True, blank=True)
    # Who a row concerns when no account does (a failed sign-in's typed name, a refused
    # single sign-on's address), keyed-hashed (``subject_digest``), so that an erasure
    # finds those rows by index and the column itself names nobody (accounts/0014).
    # Cleared when the row is pseudonymised. Nullable only so that adding it is an ALTER
    # TABLE on SQLite (a rebuild drops the append-only trigger); None: no such name.
    subject = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("peristiwa keamanan")
        verbose_name_plural = _("log audit keamanan")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["kind", "-at"], name="security_kind_at"),
            models.Index(fields=["user_id", "-at"], name="security_user_at"),
            models.Index(fields=["actor_id", "-at"], name="security_actor_at"),
            models.Index(fields=["subject"], name="security_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.user_name or self.actor_name}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)


class TwoFactorRequirement(models.Model):
    """Whether everyone with a staff role must use two-factor authentication (set by an
    admin). Without a row: not required."""

    role = models.CharField(_("peran"), max_length=16, choices=Role.choices, primary_key=True)
    required = models.BooleanField(_("wajib 2FA"), default=False)

    class Meta:
        verbose_name = _("kewajiban 2FA")
        verbose_name_plural = _("kewajiban 2FA")

    def __str__(self) -> str:
        required = _("wajib") if self.required else _("tidak wajib")
        return f"{self.get_role_display()}: {required}"


class UserSession(models.Model):
    """A signed-in browser: listed to its user, who can end it or all the others."""

    session_key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    created_at = models.DateTimeField(_("masuk"))
    last_seen_at = models.DateTimeField(_("terakhir aktif"))
    ip = models.CharField(_("alamat IP"), max_length=45, blank=True, default="")
    user_agent = models.CharField(_("peramban"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("sesi")
        verbose_name_plural = _("sesi")
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="session_user_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.ip} {self.last_seen_at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """An invitation by email to a staff account made for it (inactive, no password until
    accepted). Only the SHA-256 of the link's secret is stored; the link works once
    (``accepted_at``), until ``expires_at``, and not after a newer invitation replaced it
    (``revoked_at``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("diundang"))
    expires_at = models.DateTimeField(_("berlaku sampai"))
    accepted_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("undangan")
        verbose_name_plural = _("undangan")
        indexes = [models.Index(fields=["user", "-created_at"], name="invitation_user_created")]

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d})"


class BusinessTimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (Asia/Jakarta)")
    WITA = "Asia/Makassar", _("WITA (Asia/Makassar)")
    WIT = "Asia/Jayapura", _("WIT (Asia/Jayapura)")


class Business(models.Model):
    """The business this Sigap serves: one row (``pk=1``, ``accounts.business``), made by
    ``sigap createadmin`` on an empty database or by the first save on the setup page.

    The setup checklist (``/settings/setup/``): each step's state is read from the data
    (a team exists, a calendar has hours …); only a step the admin chose to skip is kept
    here (``setup_skipped``, the steps' keys). ``setup_open``: the first admin's first
    sign-in is sent to the checklist (set by ``createadmin`` on an empty database) until
    every step is done or skipped (``setup_completed_at``) or the admin dismisses it."""

    name = models.CharField(_("nama usaha"), max_length=100, blank=True, default="")
    logo = models.FileField(_("logo"), upload_to="business/", blank=True, default="")
    logo_type = models.CharField(max_length=20, blank=True, default="")  # image/png …
    time_zone = models.CharField(
        _("zona waktu"),
        max_length=32,
        choices=BusinessTimeZone.choices,
        default=BusinessTimeZone.WIB,
    )
    time_zone_chosen = models.BooleanField(default=False)  # saved once on the setup page
    setup_open = models.BooleanField(default=False)
    setup_skipped = models.JSONField(default=list, blank=True)
    setup_dismissed_at = models.DateTimeField(null=True, blank=True)
    setup_completed_at = models.DateTimeField(null=True, blank=True)
    setup_test_ticket_id = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("usaha")
        verbose_name_plural = _("usaha")

    def __str__(self) -> str:
        return self.name or "Sigap"


class Brand(models.Model):
    """One of the business's brands: the name, look, sender and signature its customers
    see. Every installation has one (``is_default``, made by the migration); a small
    business never sees the concept until it adds a second. Tickets, channels, the portal
    and the help centre point at a brand; replies leave as the ticket's brand
    (``accounts.brands``)."""

    name = models.CharField(_("nama merek"), max_length=100)
    slug = models.SlugField(_("kode"), max_length=50, unique=True)
    is_default = models.BooleanField(default=False)
    colour = models.CharField(_("warna"), max_length=7, blank=True, default="")  # #RRGGBB
    logo = models.FileField(_("logo"), upload_to="brands/", blank=True, default="")
    logo_type = models.CharField(max_length=20, blank=True, default="")  # image/png …
    sender_name = models.CharField(_("nama pengirim"), max_length=100, blank=True, default="")
    sender_email = models.EmailField(_("alamat pengirim"), blank=True, default="")
    signature = models.TextField(_("tanda tangan"), blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("merek")
        verbose_name_plural = _("merek")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="brand_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MessageTemplate(models.Model):
    """An edited message text (``accounts.message_templates`` lists the keys, their
    placeholders and defaults): for one brand, or for every brand (``brand`` empty), in
    one language. Deleting the row is "reset to default"."""

    key = models.CharField(_("pesan"), max_length=50)
    language = models.CharField(_("bahasa"), max_length=8)
    brand = models.ForeignKey(
        Brand,
        verbose_name=_("merek"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_templates",
    )
    subject = models.CharField(_("subjek"), max_length=200, blank=True, default="")
    body = models.TextField(_("isi"))
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("templat pesan")
        verbose_name_plural = _("templat pesan")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language", "brand"], name="message_template_one_per_brand"
            ),
            models.UniqueConstraint(
                fields=["key", "language"],
                condition=models.Q(brand__isnull=True),
                name="message_template_one_for_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"
