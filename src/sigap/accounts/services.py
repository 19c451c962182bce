from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import ApiToken, Role, Team, User, hash_token
from sigap.core.errors import NotFound

TOKEN_PREFIX = "sgp_"


def user_create(
    *,
    username: str,
    password: str | None,
    role: Role = Role.AGENT,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
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
    return raw


def token_authenticate(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    return token.user


def token_revoke(*, user: User, prefix: str) -> None:
    updated = ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound("Token tidak ditemukan.")
