from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from sigap.accounts import access, audit, sessions
from sigap.accounts.models import (
    STAFF_ROLES,
    ApiToken,
    Role,
    SecurityKind,
    Team,
    User,
    hash_token,
)
from sigap.core.errors import NotFound, ValidationFailed

TOKEN_PREFIX = "sgp_"


def user_create(
    *,
    username: str,
    password: str | None,
    role: Role = Role.AGENT,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    verified: bool = True,
) -> User:
    """``verified``: the email is vouched for (staff made the account); a portal sign-up
    passes False and is active only once its address is proven."""
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_active=verified,
        email_verified_at=timezone.now() if verified else None,
        signup_pending=not verified,
        is_staff=role in (Role.ADMIN, Role.SUPERVISOR),
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def team_create(
    *, name: str, slug: str, supervisor: User | None = None, members: list[User] | None = None
) -> Team:
    team = Team.objects.create(name=name, slug=slug, supervisor=supervisor)
    if members:
        team.members.add(*members)
    return team


def token_create(*, user: User, name: str = "cli") -> str:
    """Create a token and return its raw value (the only time it is visible)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:12], digest=hash_token(raw))
    audit.record(SecurityKind.TOKEN_CREATED, user=user, detail=f"{name} ({raw[:12]}…)")
    return raw


# Tokens just checked, by digest: the API authenticates every request, and a script or an
# integration sends many in a row. Each process keeps its checks for ``TOKEN_CACHE_SECONDS``
# under the shared generation (``GENERATION_KEY`` in the default cache: Redis across
# processes). A revoked token, a deactivated account or any change to a user moves the
# generation on, so every process forgets its checks at its next request: revocation takes
# effect at once everywhere, for one cache read per request.
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_SIZE = 4096
GENERATION_KEY = "sigap:auth:generation"
_token_cache: dict[str, tuple[float, int, User]] = {}


def _generation() -> int:
    return int(cache.get(GENERATION_KEY) or 0)


def token_authenticate(raw: str) -> User | None:
    digest = hash_token(raw)
    now = time.monotonic()
    hit = _token_cache.get(digest)
    generation = _generation()
    if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS and hit[1] == generation:
        return copy.copy(hit[2])  # each request gets its own instance to annotate
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        _token_cache.pop(digest, None)
        return None
    if len(_token_cache) >= TOKEN_CACHE_SIZE:
        _token_cache.clear()
    _token_cache[digest] = (now, generation, token.user)
    return copy.copy(token.user)


def forget_tokens(*_: Any, **__: Any) -> None:
    """Drop the cached token checks, here and (by the shared generation) in every other
    process: on a change to any user or token."""
    _token_cache.clear()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted)
        cache.set(GENERATION_KEY, _generation() + 1, timeout=None)


def token_revoke(*, user: User, prefix: str) -> None:
    updated = ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    forget_tokens()
    if not updated:
        raise NotFound(gettext("Token tidak ditemukan."))
    audit.record(SecurityKind.TOKEN_REVOKED, user=user, detail=f"{prefix}…")


# --- people (the settings area's People page) ---------------------------------------------


def _staff_snapshot(user: User) -> dict[str, Any]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "teams": sorted(user.teams.values_list("pk", flat=True)),
    }


@transaction.atomic
def staff_update(
    *,
    actor: User,
    user: User,
    role: str,
    teams: list[Team],
    first_name: str,
    last_name: str,
) -> User:
    """A colleague's name, role and teams (admins only: roles and membership of any team).
    An admin cannot change their own role (so the last admin cannot lock everyone out)."""
    access.require_global_settings(actor)
    if user.role not in STAFF_ROLES:
        raise NotFound(_("Petugas tidak ditemukan."))
    if role not in STAFF_ROLES:
        raise ValidationFailed(
            _("Peran tidak valid: pilih agen, supervisor, atau admin."),
            fields={"role": [_("Pilihan tidak valid.")]},
        )
    if user.pk == actor.pk and role != user.role:
        raise ValidationFailed(
            _("Anda tidak dapat mengubah peran Anda sendiri; minta admin lain."),
            fields={"role": [_("Tidak dapat mengubah peran sendiri.")]},
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _staff_snapshot(user)
    user.first_name = first_name.strip()[:150]
    user.last_name = last_name.strip()[:150]
    user.role = role
    user.is_staff = role in (Role.ADMIN, Role.SUPERVISOR)
    user.is_superuser = role == Role.ADMIN
    user.save()
    wanted = {t.pk for t in teams}
    if set(before["teams"]) != wanted:
        user.teams.set(teams)
    audit.settings_changed(
        actor=actor,
        what="person",
        name=user.username,
        object_id=user.pk,
        user=user,
        before=before,
        after={**_staff_snapshot(user), "teams": sorted(wanted)},
    )
    return user


def staff_deactivate_account(*, actor: User, user: User) -> None:
    """Switch the account off and end every session it has (inside the caller's
    transaction: ``tickets.services.staff_deactivate`` hands the work over first)."""
    access.require_global_settings(actor)
    if user.pk == actor.pk:
        raise ValidationFailed(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if not user.is_active:
        raise ValidationFailed(_("Akun %(name)s sudah nonaktif.") % {"name": user.display_name})
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_tokens()
    sessions.end_all(user, actor=actor)


def _team_snapshot(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "slug": team.slug,
        "supervisor": team.supervisor_id,
        "members": sorted(team.members.values_list("pk", flat=True)),
    }


@transaction.atomic
def team_save(
    *,
    actor: User,
    team: Team | None,
    name: str,
    slug: str,
    supervisor: User | None,
    members: list[User],
) -> Team:
    """Make a team (admins) or change one (admins, or its supervisor), recorded before →
    after. The caller validated the values (unique name and slug: ``TeamForm``)."""
    if team is None:
        access.require_global_settings(actor)
        before = None
        team = Team()
    else:
        access.require_team_settings(actor, team)
        # as stored (a bound ModelForm has already written the new values on its instance)
        team = Team.objects.select_for_update().get(pk=team.pk)
        before = _team_snapshot(team)
    team.name, team.slug, team.supervisor = name, slug, supervisor
    team.save()
    if before is None or set(before["members"]) != {m.pk for m in members}:
        team.members.set(members)
    audit.settings_changed(
        actor=actor,
        what="team",
        name=team.name,
        object_id=team.pk,
        before=before,
        after=_team_snapshot(team),
    )
    return team


@transaction.atomic
def staff_reactivate(*, actor: User, user: User) -> User:
    """Switch a deactivated colleague's account on again (admins). An invitation not yet
    accepted is not switched on here: the person accepts it."""
    access.require_global_settings(actor)
    if user.role not in STAFF_ROLES:
        raise NotFound(_("Petugas tidak ditemukan."))
    if user.is_active:
        raise ValidationFailed(_("Akun %(name)s sudah aktif.") % {"name": user.display_name})
    if user.invitations.filter(accepted_at__isnull=True).exists():
        raise ValidationFailed(
            _("%(name)s belum menerima undangannya; kirim ulang undangan.")
            % {"name": user.display_name}
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.settings_changed(
        actor=actor,
        what="person",
        name=user.username,
        object_id=user.pk,
        user=user,
        before={"is_active": False},
        after={"is_active": True},
    )
    return user
