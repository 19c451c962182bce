"""Secrets stored in the database: encrypted with a key derived from the server's secret."""

from __future__ import annotations

from typing import Any

import pytest

from sigap.core import secretbox


def test_a_secret_round_trips_and_is_never_stored_as_itself() -> None:
    sealed = secretbox.seal("rahasia-kotak-surat")
    assert sealed.startswith("fernet:")
    assert "rahasia-kotak-surat" not in sealed
    assert secretbox.open_(sealed) == "rahasia-kotak-surat"
    assert secretbox.seal("rahasia-kotak-surat") != sealed  # a fresh IV each time
    assert (secretbox.seal(""), secretbox.open_("")) == ("", "")


def test_another_server_key_cannot_open_it(settings: Any) -> None:
    sealed = secretbox.seal("token-rahasia")
    settings.SIGAP_SECRETS_KEY = "kunci-lain-yang-berbeda"
    with pytest.raises(secretbox.SecretUnreadable, match="SIGAP_SECRETS_KEY"):
        secretbox.open_(sealed)
    resealed = secretbox.seal("token-rahasia")
    settings.SIGAP_SECRETS_KEY = ""  # back to SECRET_KEY
    assert secretbox.open_(sealed) == "token-rahasia"
    with pytest.raises(secretbox.SecretUnreadable):
        secretbox.open_(resealed)


def test_an_altered_or_plain_value_is_refused() -> None:
    sealed = secretbox.seal("token-rahasia")
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(secretbox.SecretUnreadable):
        secretbox.open_(altered)
    with pytest.raises(secretbox.SecretUnreadable, match="not an encrypted value"):
        secretbox.open_("token-rahasia")
