"""Single sign-on for staff with OpenID Connect (docs/sso.md).

The relying party is Authlib's Django client: discovery from the issuer, the authorization
code flow with PKCE (S256), ``state`` and ``nonce`` kept in the session, and the ID token's
signature (the provider's JWKS), issuer, audience, expiry and nonce checked. This module
adds what Sigap decides:

* who the person is: only an email address the provider marks verified
  (``email_verified`` true; without that claim, Entra ID's ``xms_edov`` true), compared
  without regard to case, from the ID token or, when
  the provider keeps it there, from the userinfo endpoint (same ``sub``);
* whether they may come in: the domain must be allowed (``SIGAP_OIDC_ALLOWED_DOMAINS``,
  when set); an active staff account (admin, supervisor, agent) with that email signs in; a
  deactivated one does not; customers are refused (they use the portal's email links),
  even when a staff account could be made for them;
* an unknown person gets a staff account only when ``SIGAP_OIDC_AUTO_PROVISION`` is on:
  role ``SIGAP_OIDC_DEFAULT_ROLE`` (agent or supervisor, never admin) and, when set, a
  member of the team ``SIGAP_OIDC_DEFAULT_TEAM``.

Every refusal is an ``SsoRefused`` with a reason code and an Indonesian message; the views
(``sso_views.py``) show it and record it in the security audit log, as they record the
sign-in and the account made.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sigap.accounts import audit, invitations
from sigap.accounts.models import STAFF_ROLES, Role, SecurityKind, Team, User
from sigap.accounts.services import user_create
from sigap.core.errors import SigapError

log = logging.getLogger(__name__)

# ID tokens signed with a key of the provider's JWKS only: no "none", and no HS* (whose
# key would be the client secret, which the provider's discovery cannot vouch for).
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
HTTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SsoConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    provider_name: str
    allowed_domains: frozenset[str]
    auto_provision: bool
    default_role: Role
    default_team: str

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def config() -> SsoConfig | None:
    """The configuration from the settings (checked there at start), or None when single
    sign-on is off."""
    if not settings.SIGAP_OIDC_ISSUER:
        return None
    role = Role(settings.SIGAP_OIDC_DEFAULT_ROLE)
    if role not in (Role.AGENT, Role.SUPERVISOR):  # settings refuse it; never an admin
        role = Role.AGENT
    return SsoConfig(
        issuer=settings.SIGAP_OIDC_ISSUER,
        client_id=settings.SIGAP_OIDC_CLIENT_ID,
        client_secret=settings.SIGAP_OIDC_CLIENT_SECRET,
        scopes=tuple(settings.SIGAP_OIDC_SCOPES),
        provider_name=settings.SIGAP_OIDC_PROVIDER_NAME,
        allowed_domains=frozenset(d.lower() for d in settings.SIGAP_OIDC_ALLOWED_DOMAINS),
        auto_provision=settings.SIGAP_OIDC_AUTO_PROVISION,
        default_role=role,
        default_team=settings.SIGAP_OIDC_DEFAULT_TEAM,
    )


class SsoRefused(SigapError):
    """Single sign-on did not let the person in; ``reason`` is a stable code."""

    code: ClassVar[str] = "sso_refused"
    http_status: ClassVar[int] = 403

    def __init__(self, reason: str, message: str, *, status: int = 403, email: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.email = email


# --- the provider -----------------------------------------------------------------------------

_clients: dict[SsoConfig, Any] = {}
_clients_lock = threading.Lock()


def client(cfg: SsoConfig) -> Any:
    """Authlib's client for this configuration, made once per process (it keeps the
    provider's discovery document and keys). Authlib is imported here, with the first
    sign-in: with requests it is about a quarter of a second of every process's start."""
    from authlib.integrations.django_client import OAuth

    with _clients_lock:
        app = _clients.get(cfg)
        if app is None:
            app = OAuth().register(
                "sso",
                client_id=cfg.client_id,
                client_secret=cfg.client_secret,
                server_metadata_url=cfg.discovery_url,
                client_kwargs={
                    "scope": " ".join(cfg.scopes),
                    "code_challenge_method": "S256",
                    "default_timeout": HTTP_TIMEOUT_SECONDS,
                },
            )
            _clients.clear()  # one provider at a time; a new configuration replaces it
            _clients[cfg] = app
    return app


def provider_metadata(cfg: SsoConfig, app: Any) -> dict[str, Any]:
    """The discovery document, checked once: it must name the configured issuer (OpenID
    Connect Discovery 4.3), and only asymmetric signing algorithms are accepted."""
    metadata: dict[str, Any] = app.load_server_metadata()
    if not metadata.get("_sigap_checked"):
        if metadata.get("issuer") != cfg.issuer:
            raise SsoRefused(
                "issuer_mismatch",
                _("Konfigurasi masuk dengan %(provider)s tidak cocok. Hubungi admin.")
                % {"provider": cfg.provider_name},
                status=502,
            )
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        metadata["id_token_signing_alg_values_supported"] = [
            alg for alg in offered if alg in SIGNING_ALGORITHMS
        ]
        metadata["_sigap_checked"] = True
    return metadata


# --- who may come in ----------------------------------------------------------------------


@dataclass(frozen=True)
class SsoIdentity:
    """What the provider vouched for."""

    subject: str
    email: str
    given_name: str
    family_name: str


def identity_from_claims(cfg: SsoConfig, claims: dict[str, Any]) -> SsoIdentity:
    """The verified email of the claims, or ``SsoRefused``."""
    raw = claims.get("email")
    if not isinstance(raw, str) or "@" not in raw.strip():
        raise SsoRefused(
            "no_email",
            _(
                "%(provider)s tidak memberi tahu alamat email Anda, jadi Sigap tidak bisa "
                "mencocokkannya dengan akun. Hubungi admin."
            )
            % {"provider": cfg.provider_name},
        )
    email = raw.strip().lower()
    if not raw.isascii():
        # Python's lower() folds look-alikes (the Kelvin sign K to k): a different
        # address at the provider must never match a staff member's
        raise SsoRefused(
            "email_not_ascii",
            _(
                "Alamat email %(email)s memakai huruf di luar ASCII; Sigap tidak bisa "
                "mencocokkannya dengan aman. Hubungi admin."
            )
            % {"email": email},
            email=email,
        )
    verified = claims.get("email_verified")
    if verified is None:
        # Microsoft Entra ID sends no email_verified for work accounts; its optional claim
        # xms_edov says the email's domain is verified by the tenant that owns it.
        verified = claims.get("xms_edov")
    if verified is not True:
        raise SsoRefused(
            "email_unverified",
            _(
                "Alamat email %(email)s belum diverifikasi oleh %(provider)s, jadi Sigap "
                "tidak bisa memakainya untuk masuk. Verifikasi dulu alamat itu di "
                "%(provider)s, lalu coba lagi."
            )
            % {"email": email, "provider": cfg.provider_name},
            email=email,
        )
    domain = email.rpartition("@")[2]
    if cfg.allowed_domains and domain not in cfg.allowed_domains:
        raise SsoRefused(
            "domain_not_allowed",
            _("Alamat email dari domain %(domain)s tidak diizinkan masuk ke Sigap.")
            % {"domain": domain},
            email=email,
        )
    given, family = claims.get("given_name"), claims.get("family_name")
    if not given and not family:  # only a full name: all of it as the first name
        given = claims.get("name")
    return SsoIdentity(
        subject=str(claims.get("sub", "")),
        email=email,
        given_name=str(given or "")[:150],
        family_name=str(family or "")[:150],
    )


def sso_user_resolve(*, cfg: SsoConfig, identity: SsoIdentity) -> tuple[User, bool]:
    """The staff account for a verified email, made first when provisioning is on.
    Returns the user and whether it was made now; raises ``SsoRefused`` otherwise."""
    email = identity.email
    people = list(User.objects.filter(email__iexact=email).order_by("pk"))
    staff = [u for u in people if u.role in STAFF_ROLES]
    active = [u for u in staff if u.is_active]
    if len(active) > 1:
        raise SsoRefused(
            "ambiguous",
            _("Ada lebih dari satu akun staf dengan alamat %(email)s. Minta admin menyisakan satu.")
            % {"email": email},
            email=email,
        )
    if active:
        return active[0], False
    for invited in staff:  # an invitation not accepted yet: the provider vouches for it
        if invitations.invitation_accept_by_sso(user=invited):
            return invited, False
    if staff:
        raise SsoRefused(
            "deactivated",
            _("Akun Sigap untuk %(email)s sudah dinonaktifkan. Hubungi admin.") % {"email": email},
            email=email,
        )
    if people:
        raise SsoRefused(
            "customer",
            _(
                "Masuk dengan %(provider)s hanya untuk staf. Pelanggan masuk lewat tautan "
                "yang dikirim ke email."
            )
            % {"provider": cfg.provider_name},
            email=email,
        )
    if not cfg.auto_provision:
        raise SsoRefused(
            "unknown_user",
            _(
                "Belum ada akun staf Sigap untuk %(email)s. Minta admin membuatkan akun "
                "Anda, lalu coba lagi."
            )
            % {"email": email},
            email=email,
        )
    return sso_user_provision(cfg=cfg, identity=identity), True


@transaction.atomic
def sso_user_provision(*, cfg: SsoConfig, identity: SsoIdentity) -> User:
    """A staff account for someone the provider vouched for: the default role, the default
    team, no usable password (they sign in through the provider)."""
    team = None
    if cfg.default_team:
        team = Team.objects.filter(slug=cfg.default_team).first()
        if team is None:
            log.error("SIGAP_OIDC_DEFAULT_TEAM %r: no team has this slug", cfg.default_team)
            raise SsoRefused(
                "team_missing",
                _("Tim untuk akun baru belum disiapkan di Sigap. Hubungi admin."),
                email=identity.email,
            )
    user = user_create(
        username=_free_username(identity.email),
        password=None,
        role=cfg.default_role,
        first_name=identity.given_name,
        last_name=identity.family_name,
        email=identity.email,
        verified=True,  # the provider verified the address
    )
    if team is not None:
        team.members.add(user)
    audit.record(
        SecurityKind.SSO_PROVISIONED,
        user=user,
        actor=user,
        detail=f"{cfg.provider_name}: {user.role}" + (f", {team.name}" if team else ""),
        data={
            "issuer": cfg.issuer,
            "sub": identity.subject,
            "role": user.role,
            "team": team.slug if team else None,
        },
    )
    return user


def _free_username(email: str) -> str:
    """The email itself, or ``local+N@domain`` when another account already has it."""
    local, _at, domain = email.partition("@")
    candidate = email[:150]
    n = 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{local}+{n}@{domain}"[:150]
    return candidate
