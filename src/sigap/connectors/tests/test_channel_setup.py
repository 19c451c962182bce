"""Channel configuration (settings, environment, ``_FILE`` secrets) and the admin pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sigap.accounts.models import User
from sigap.connectors import conf


def test_a_setting_wins_over_the_environment(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGAP_WHATSAPP_ACCESS_TOKEN", "dari-env")
    assert conf.whatsapp_access_token() == "dari-env"
    settings.SIGAP_WHATSAPP_ACCESS_TOKEN = "dari-settings"
    assert conf.whatsapp_access_token() == "dari-settings"


def test_a_secret_may_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "app-secret"
    secret.write_text("rahasia-dari-berkas\n", encoding="utf-8")
    monkeypatch.delenv("SIGAP_WHATSAPP_APP_SECRET", raising=False)
    monkeypatch.setenv("SIGAP_WHATSAPP_APP_SECRET_FILE", str(secret))
    assert conf.whatsapp_app_secret() == "rahasia-dari-berkas"


@pytest.mark.django_db  # unset everywhere else, a value is looked for on the settings page
def test_defaults_and_derived_values(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIGAP_WHATSAPP_API_BASE", "SIGAP_TELEGRAM_API_BASE", "SIGAP_TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert conf.whatsapp_api_base() == "https://graph.facebook.com/v21.0"
    assert conf.telegram_api_base() == "https://api.telegram.org"
    assert not conf.telegram_sending_enabled()
    settings.SIGAP_TELEGRAM_BOT_TOKEN = "7012345678:AAH-rahasia"
    assert (conf.telegram_bot_id(), conf.telegram_sending_enabled()) == ("7012345678", True)
    settings.SIGAP_WHATSAPP_ACCESS_TOKEN = "token"
    settings.SIGAP_WHATSAPP_PHONE_NUMBER_ID = ""
    assert not conf.whatsapp_sending_enabled()


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["inbounddelivery", "outbounddelivery", "whatsapptemplate"])
def test_the_admin_pages_open(admin: User, client: Client, model: str) -> None:
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get(f"/admin/sigap_channels/{model}/").status_code == 200
