"""The `sigap` console script and its operator commands."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sigap.accounts.models import ApiToken, Role, User
from sigap.accounts.services import token_authenticate


def test_sigap_without_arguments_prints_the_operator_commands(tmp_path: Path) -> None:
    env = {**os.environ, "SIGAP_DATA_DIR": str(tmp_path)}
    env.pop("SIGAP_DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "-m", "sigap.cli"], env=env, capture_output=True, text=True, check=True
    )

    for command in ("serve", "migrate", "demo", "createadmin", "token create", "bench-seed"):
        assert f"sigap {command}" in result.stdout


def test_token_create_prints_a_token_that_authenticates_its_user(agent: User) -> None:
    out = StringIO()

    call_command("token", "create", agent.username, stdout=out)

    raw = out.getvalue().strip()
    assert raw.startswith("sgp_")
    assert token_authenticate(raw) == agent
    stored = ApiToken.objects.get(user=agent)
    assert stored.digest != raw
    assert raw not in stored.digest


def test_token_create_for_an_unknown_user_fails_clearly(db: None) -> None:
    with pytest.raises(CommandError, match="'tidak-ada' tidak ditemukan"):
        call_command("token", "create", "tidak-ada")


def test_revoked_or_inactive_tokens_do_not_authenticate(agent: User) -> None:
    out = StringIO()
    call_command("token", "create", agent.username, stdout=out)
    raw = out.getvalue().strip()

    User.objects.filter(pk=agent.pk).update(is_active=False)

    assert token_authenticate(raw) is None
    assert token_authenticate("sgp_bukan-token") is None


def test_createadmin_creates_a_superuser_admin(db: None) -> None:
    call_command("createadmin", username="kepala", password="sandi-yang-panjang", stdout=StringIO())

    admin = User.objects.get(username="kepala")
    assert admin.role == Role.ADMIN
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password("sandi-yang-panjang")


def test_createadmin_refuses_a_short_password_and_an_existing_name(admin: User) -> None:
    with pytest.raises(CommandError, match="minimal 8"):
        call_command("createadmin", username="baru", password="pendek")
    with pytest.raises(CommandError, match="sudah ada"):
        call_command("createadmin", username="admin", password="sandi-yang-panjang")
    assert not User.objects.filter(username="baru").exists()
