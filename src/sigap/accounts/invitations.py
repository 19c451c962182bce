"""Invitations by email: an admin (or a supervisor, for agents in their own teams) adds
a colleague by their address; Sigap makes their staff account (inactive, no password) and
mails them a link to choose a password, or to sign in with single sign-on when it is set
up (``accounts.sso``).

The link carries a random secret of which only the SHA-256 is stored. It works once
(claimed by a conditional UPDATE, so two tabs cannot both use it), until it expires
(``INVITATION_DAYS``), not after a newer invitation to the same person replaced it, and
not after it was withdrawn (``invitation_revoke``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts import access, audit, message_templates
from sigap.accounts.models import (
    STAFF_ROLES,
    Invitation,
    Role,
    SecurityKind,
    Team,
    User,
    hash_token,
)
from sigap.core.errors import ValidationFailed
from sigap.core.locale import said_in_default_language

INVITATION_DAYS = 7


class LinkState(Enum):
    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REPLACED = "replaced"
    REVOKED = "revoked"


def link_message(state: LinkState) -> str:
    return {
        LinkState.VALID: "",
        LinkState.UNKNOWN: _("Tautan undangan ini tidak dikenal. Periksa tautan di email Anda."),
        LinkState.USED: _("Tautan undangan ini sudah dipakai. Silakan masuk dengan akun Anda."),
        LinkState.EXPIRED: _(
            "Tautan undangan ini sudah kedaluwarsa. Minta admin mengirim undangan baru."
        ),
        LinkState.REPLACED: _(
            "Tautan undangan ini sudah diganti dengan undangan yang lebih baru. Pakai tautan "
            "di email undangan terakhir."
        ),
        LinkState.REVOKED: _(
            "Undangan ini sudah dibatalkan. Hubungi admin atau supervisor Anda bila Anda "
            "masih memerlukannya."
        ),
    }[state]


def _clean_email(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Alamat email tidak valid."), fields={"email": [_("Alamat email tidak valid.")]}
        ) from exc
    return email


def _check_free(email: str) -> None:
    taken = (
        User.objects.filter(email__iexact=email).only("username").first()
        or User.objects.filter(username__iexact=email).only("username").first()
    )
    if taken is not None:
        message = _("Alamat email %(email)s sudah dipakai akun %(username)s.") % {
            "email": email,
            "username": taken.username,
        }
        raise ValidationFailed(message, fields={"email": [message]})


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    email: str,
    role: str,
    teams: Sequence[Team] = (),
    first_name: str = "",
    last_name: str = "",
) -> Invitation:
    """Make the account of a colleague and mail them their invitation (after commit).
    Admins invite anyone; supervisors invite agents into their own teams
    (``access.require_invite``)."""
    access.require_settings(actor)
    if role not in STAFF_ROLES:
        raise ValidationFailed(
            _("Peran tidak valid: pilih agen, supervisor, atau admin."),
            fields={"role": [_("Pilihan tidak valid.")]},
        )
    access.require_invite(actor, role, [t.pk for t in teams])
    email = _clean_email(email)
    _check_free(email)
    user = User(
        username=email[:150],
        email=email,
        role=role,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        is_active=False,  # until the invitation is accepted
        is_staff=role in (Role.ADMIN, Role.SUPERVISOR),
        is_superuser=role == Role.ADMIN,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():  # a savepoint: the same address invited twice at once
            user.save()
    except IntegrityError:
        _check_free(email)  # says which account has it now
        raise
    if teams:
        user.teams.add(*teams)
    invitation = _issue(user, actor)
    audit.record(
        SecurityKind.INVITED,
        user=user,
        actor=actor,
        detail=f"{email}: {role}" + (f", {', '.join(t.name for t in teams)}" if teams else ""),
        data={
            "before": None,
            "after": {
                "email": email,
                "role": role,
                "teams": sorted(t.pk for t in teams),
                "first_name": user.first_name,
                "last_name": user.last_name,
            },
        },
    )
    return invitation


@transaction.atomic
def invitation_resend(*, actor: User, user: User) -> Invitation:
    """A new link for someone who has not accepted yet (also after their invitation was
    withdrawn or expired); the older links stop working."""
    access.require_invitee(actor, user)
    if user.is_active or not invited(user):
        raise ValidationFailed(
            _("%(name)s tidak sedang menunggu undangan.") % {"name": user.display_name}
        )
    invitation = _issue(user, actor)
    audit.record(
        SecurityKind.INVITED,
        user=user,
        actor=actor,
        detail=said_in_default_language(gettext_lazy("%(email)s: dikirim ulang"), email=user.email),
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, user: User) -> None:
    """Withdraw someone's invitation: their link stops working at once (the account stays
    switched off; a new invitation can still be sent to them)."""
    access.require_invitee(actor, user)
    withdrawn = Invitation.objects.select_for_update().filter(
        user=user, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if user.is_active or not withdrawn.exists():
        raise ValidationFailed(
            _("Undangan %(name)s tidak sedang berlaku.") % {"name": user.display_name}
        )
    withdrawn.update(revoked_at=timezone.now())
    audit.settings_changed(
        actor=actor,
        what="invitation",
        name=user.email,
        object_id=user.pk,
        user=user,
        before={"invitation": "pending"},
        after={"invitation": "revoked"},
    )


def invited(user: User) -> bool:
    """Whether ``user`` was invited and never accepted (whatever their link's state)."""
    return (
        user.invitations.exists()
        and not user.invitations.filter(accepted_at__isnull=False).exists()
    )


def pending(user: User) -> bool:
    """Whether ``user`` has an invitation not accepted and not withdrawn (whatever its
    age)."""
    return Invitation.objects.filter(
        user=user, accepted_at__isnull=True, revoked_at__isnull=True
    ).exists()


def waiting_for(actor: User) -> list[Invitation]:
    """The newest invitation of everyone ``actor`` may manage who has not accepted yet
    (pending, expired or withdrawn), newest first: every staff invitee for an admin, the
    agents in their teams for a supervisor."""
    found = (
        Invitation.objects.filter(user__is_active=False, user__role__in=STAFF_ROLES)
        .exclude(user__invitations__accepted_at__isnull=False)
        .select_related("user", "invited_by")
        .prefetch_related("user__teams")
        .order_by("-created_at", "-pk")
    )
    if not access.is_settings_admin(actor):
        found = found.filter(
            user__role=Role.AGENT,
            user__teams__in=access.supervised_team_ids(actor),
        ).distinct()
    newest: dict[int, Invitation] = {}
    for invitation in found:
        newest.setdefault(invitation.user_id, invitation)
    return list(newest.values())


def state_of(invitation: Invitation) -> str:
    """A listed invitation's state in words (``waiting_for`` gives each person's newest)."""
    if invitation.revoked_at is not None:
        return _("Dibatalkan")
    if invitation.expires_at <= timezone.now():
        return _("Tautan kedaluwarsa")
    return _("Menunggu")


def _issue(user: User, actor: User) -> Invitation:
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        email=user.email,
        digest=hash_token(raw),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    pk = invitation.pk
    transaction.on_commit(lambda: send_invitation(pk, raw))
    return invitation


def link_url(raw: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:invitation", args=[raw])


def send_invitation(invitation_id: int, raw: str) -> None:
    """The invitation mail: the settings page's "Undangan staf" in the business's
    language (staff have no brand: the default brand's text)."""
    invitation = Invitation.objects.select_related("user", "invited_by").get(pk=invitation_id)
    user = invitation.user
    business = getattr(settings, "SIGAP_BUSINESS_NAME", "") or "Sigap"
    with translation.override(settings.LANGUAGE_CODE):
        until = formats.date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT")
        sso = ""
        if settings.SIGAP_OIDC_ISSUER:
            sso = (
                _("Atau masuk dengan %(provider)s memakai alamat ini: %(url)s")
                % {
                    "provider": settings.SIGAP_OIDC_PROVIDER_NAME,
                    "url": settings.SITE_URL.rstrip("/") + reverse("login"),
                }
                + "\n\n"
            )
        name = user.first_name or user.email
        rendered = message_templates.render_message(
            "staff_invitation",
            language=settings.LANGUAGE_CODE,
            context={
                "sapaan": _("Halo %(name)s,") % {"name": name},
                "nama": name,
                "pengundang": (
                    invitation.invited_by.display_name if invitation.invited_by else "Admin"
                ),
                "usaha": business,
                "tautan": link_url(raw),
                "masuk_sso": sso,
                "nama_pengguna": user.username,
                "berlaku_sampai": until,
            },
        )
    send_mail(rendered.subject, rendered.body, None, [invitation.email])


def invitation_read(raw: str) -> tuple[Invitation | None, LinkState]:
    """The invitation a link names, with whether it may still be accepted."""
    invitation = (
        Invitation.objects.select_related("user").filter(digest=hash_token(raw)).first()
        if raw
        else None
    )
    return invitation, _state(invitation)


def _state(invitation: Invitation | None) -> LinkState:
    if invitation is None or invitation.user.role not in STAFF_ROLES:
        return LinkState.UNKNOWN
    if invitation.accepted_at is not None:
        return LinkState.USED
    if invitation.revoked_at is not None:
        newer = Invitation.objects.filter(
            user_id=invitation.user_id, created_at__gt=invitation.created_at
        ).exists()
        return LinkState.REPLACED if newer else LinkState.REVOKED
    if invitation.expires_at <= timezone.now():
        return LinkState.EXPIRED
    return LinkState.VALID


@transaction.atomic
def invitation_accept(*, raw: str, password: str, password_again: str) -> User:
    """Choose the password and switch the account on; the link is spent."""
    invitation = (
        Invitation.objects.select_for_update().select_related("user").filter(digest=hash_token(raw))
    ).first()
    state = _state(invitation)
    if invitation is None or state is not LinkState.VALID:
        raise ValidationFailed(link_message(state))
    user = invitation.user
    if password != password_again:
        raise ValidationFailed(
            _("Kedua kata sandi tidak sama."),
            fields={"password_again": [_("Kedua kata sandi tidak sama.")]},
        )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Kata sandi belum memenuhi syarat."), fields={"password": list(exc.messages)}
        ) from exc
    _claim(invitation)
    user.set_password(password)
    _activate(user)
    return user


def invitation_accept_by_sso(*, user: User) -> bool:
    """An invited colleague signing in with single sign-on for the first time: the
    provider vouched for the address, so a pending, unexpired invitation is accepted
    (without a password). False when there is none."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("user")
            .filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if invitation is None or _state(invitation) is not LinkState.VALID:
            return False
        _claim(invitation)
        _activate(invitation.user)
        user.refresh_from_db()
        return True


def _claim(invitation: Invitation) -> None:
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed:  # the row is locked above; a second guard
        raise ValidationFailed(link_message(LinkState.USED))


def _activate(user: User) -> None:
    user.is_active = True
    user.email_verified_at = timezone.now()
    user.save()
    audit.record(SecurityKind.INVITATION_ACCEPTED, user=user, actor=user)
