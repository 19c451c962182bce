"""Settings come from SIGAP_* variables; bad values fail loudly at start-up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

# The settings module alone (what Django's start-up reads first, and where every check of
# these variables is made), without django.setup(): importing and readying every app took
# about 0.35 s of CPU more per process, 14 processes in this module (measured 2026-12-07).
PRINT = (
    "import json; from django.conf import settings as s;"
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'],"
    " 'cache': s.CACHES['default']['BACKEND'], 'tz': s.TIME_ZONE,"
    " 'session': s.SESSION_ENGINE,"
    " 'key': s.SECRET_KEY, 'max': s.SIGAP_MAX_ATTACHMENT_BYTES,"
    " 'prepare': s.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold')}))"
)


def run_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    clean.update({"DJANGO_SETTINGS_MODULE": "sigap.settings", "SIGAP_DATA_DIR": str(tmp_path)})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PRINT], env=clean, capture_output=True, text=True, check=False
    )


def test_defaults_are_sqlite_jakarta_and_a_generated_secret_kept_across_runs(
    tmp_path: Path,
) -> None:
    first = run_settings(tmp_path)
    second = run_settings(tmp_path)

    assert first.returncode == 0, first.stderr
    assert '"engine": "django.db.backends.sqlite3"' in first.stdout
    assert '"tz": "Asia/Jakarta"' in first.stdout
    assert '"max": 20971520' in first.stdout
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text() in first.stdout
    assert first.stdout == second.stdout


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "key.txt"
    secret.write_text("rahasia-dari-berkas\n")

    result = run_settings(tmp_path, SIGAP_SECRET_KEY_FILE=str(secret))

    assert '"key": "rahasia-dari-berkas"' in result.stdout
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SIGAP_DEBUG": "mungkin"}, "SIGAP_DEBUG: expected a boolean"),
        ({"SIGAP_MAX_ATTACHMENT_MB": "dua puluh"}, "SIGAP_MAX_ATTACHMENT_MB: expected an integer"),
        ({"SIGAP_TIME_ZONE": "Asia/Bandung"}, "SIGAP_TIME_ZONE: unknown time zone"),
        ({"SIGAP_SLA_SWEEP_BATCH": "0"}, "SIGAP_SLA_SWEEP_BATCH must be at least 1"),
        ({"SIGAP_DATABASE_URL": "mysql://root@127.0.0.1/x"}, "unsupported engine"),
        (
            {"SIGAP_OIDC_ISSUER": "https://accounts.google.com", "SIGAP_OIDC_CLIENT_ID": "x"},
            "SIGAP_OIDC_ISSUER is set: SIGAP_OIDC_CLIENT_SECRET too",
        ),
        ({"SIGAP_OIDC_DEFAULT_ROLE": "admin"}, "admins are never made by single sign-on"),
        ({"SIGAP_OIDC_AUTO_PROVISION": "true"}, "needs SIGAP_OIDC_ALLOWED_DOMAINS"),
    ],
)
def test_bad_values_fail_loudly(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = run_settings(tmp_path, **env)

    assert result.returncode != 0
    assert message in result.stderr


def test_wita_time_zone_and_postgres_url_are_accepted(tmp_path: Path) -> None:
    result = run_settings(
        tmp_path,
        SIGAP_TIME_ZONE="Asia/Makassar",
        SIGAP_DATABASE_URL="postgres://sigap@127.0.0.1:5432/sigap",
    )

    assert result.returncode == 0, result.stderr
    assert '"tz": "Asia/Makassar"' in result.stdout
    assert '"engine": "django.db.backends.postgresql"' in result.stdout
    assert f'"prepare": {2**31 - 1}' in result.stdout  # core.fastsql's statements prepared


@pytest.mark.parametrize(
    "switch",
    [
        {"SIGAP_DB_PREPARED": "false"},  # behind a pooler that forgets them
        {"SIGAP_DB_POOL": "false"},  # a connection a request: preparing costs a round trip
    ],
)
def test_prepared_statements_are_off_for_a_pooler_or_without_the_pool(
    tmp_path: Path, switch: dict[str, str]
) -> None:
    result = run_settings(
        tmp_path, SIGAP_DATABASE_URL="postgres://sigap@127.0.0.1:5432/sigap", **switch
    )

    assert result.returncode == 0, result.stderr
    assert '"prepare": null' in result.stdout


def redis_url_or_skip() -> str:
    url = os.environ.get("SIGAP_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("SIGAP_TEST_REDIS_URL is not set: no Redis server to test against")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2).close()
    except OSError as exc:
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.mark.redis
def test_redis_url_selects_the_redis_cache_and_it_works(tmp_path: Path) -> None:
    url = redis_url_or_skip()
    script = (
        "import django; django.setup(); from django.core.cache import cache;"
        "cache.set('sigap-test', 'ok', 5); print(cache.get('sigap-test'));"
        "from django.core.cache import caches; print(type(caches['default']).__name__)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "sigap.settings", "SIGAP_DATA_DIR": str(tmp_path)},
        SIGAP_REDIS_URL=url,
    )

    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "RedisCache"]
    # with a cache every process shares, sessions are read from it (written through)
    shown = run_settings(tmp_path, SIGAP_REDIS_URL=url)
    assert '"session": "django.contrib.sessions.backends.cached_db"' in shown.stdout


@pytest.mark.long
def test_without_redis_sessions_stay_in_the_database(tmp_path: Path) -> None:
    shown = run_settings(tmp_path)  # a per-process cache: a session ended in one process
    assert shown.returncode == 0, shown.stderr  # would live on in the others' caches
    assert '"session": "django.contrib.sessions.backends.db"' in shown.stdout
