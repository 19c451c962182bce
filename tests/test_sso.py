"""Single sign-on with OpenID Connect against a real provider on loopback (node's
oidc-provider, ``tests/sso_provider.py``): real signed ID tokens, real code exchange.

Sigap is driven by Django's test client; the provider's sign-in form by httpx, as a
browser would. The browser test is ``tests/e2e/test_sso_in_browser.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from joserfc.jwk import RSAKey

from sigap.accounts import sso
from sigap.accounts.models import Role, SecurityEvent, SecurityKind, Team, User
from sigap.accounts.services import team_create, user_create
from tests.sso_provider import PASSWORD, PROVIDER_NAME, SsoConfigure, sign_in_at_provider

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/masuk/sso/selesai/"


def start(client: Client, next_url: str = "") -> str:
    """Sigap's redirect to the provider's authorization endpoint."""
    answer = client.get("/masuk/sso/", {"next": next_url} if next_url else {})
    assert answer.status_code == 302, answer.content
    return str(answer["Location"])


def come_back(client: Client, url: str) -> Any:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def sso_sign_in(client: Client, login: str, next_url: str = "") -> Any:
    return come_back(client, sign_in_at_provider(start(client, next_url), login))


def signed_in_as(client: Client) -> int | None:
    raw = client.session.get("_auth_user_id")
    return int(raw) if raw is not None else None


def events(kind: SecurityKind) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


@pytest.fixture
def rina(db: None) -> User:
    return user_create(
        username="rina.agen",
        password="rahasia-agen",
        role=Role.AGENT,
        first_name="Rina",
        email="rina@contoh.id",
    )


def test_without_configuration_the_login_page_is_as_before(client: Client) -> None:
    page = client.get("/masuk/")

    assert page.status_code == 200
    assert b"/masuk/sso/" not in page.content
    assert client.get("/masuk/sso/").status_code == 404
    assert client.get("/masuk/sso/selesai/").status_code == 404


def test_the_login_page_offers_the_provider(client: Client, sso_config: SsoConfigure) -> None:
    sso_config(CALLBACK)

    page = client.get("/masuk/", {"next": "/inbox/"})

    assert page.status_code == 200
    assert f"Masuk dengan {PROVIDER_NAME}" in page.content.decode()
    assert 'href="/masuk/sso/?next=/inbox/"' in page.content.decode()


def test_an_agent_signs_in_with_the_verified_email_whatever_its_case(
    client: Client, sso_config: SsoConfigure, rina: User
) -> None:
    provider = sso_config(CALLBACK)
    users_before = User.objects.count()

    authorize = start(client, next_url="/inbox/?view=mine")
    answer = come_back(client, sign_in_at_provider(authorize, "rina"))

    assert authorize.startswith(f"{provider.issuer}/auth?")
    assert "code_challenge_method=S256" in authorize
    assert "nonce=" in authorize
    assert answer.status_code == 302
    assert answer["Location"] == "/inbox/?view=mine"
    assert signed_in_as(client) == rina.pk
    assert client.get("/inbox/").status_code == 200
    assert User.objects.count() == users_before
    [sign_in] = events(SecurityKind.SIGN_IN)
    assert (sign_in.user_id, sign_in.actor_id) == (rina.pk, rina.pk)
    assert sign_in.detail == f"SSO: {PROVIDER_NAME}"
    assert sign_in.data == {
        "via": "sso",
        "issuer": provider.issuer,
        "sub": "rina",
        "provisioned": False,
    }
    assert events(SecurityKind.SSO_PROVISIONED) == []


def test_an_offsite_next_is_ignored(client: Client, sso_config: SsoConfigure, rina: User) -> None:
    sso_config(CALLBACK)

    answer = sso_sign_in(client, "rina", next_url="https://jahat.example/")

    assert answer["Location"] == "/"
    assert signed_in_as(client) == rina.pk


def test_claims_the_provider_keeps_for_userinfo_are_fetched_from_there(
    client: Client, sso_config: SsoConfigure
) -> None:
    wati = user_create(username="wati", password=None, role=Role.SUPERVISOR, email="wati@contoh.id")
    sso_config(CALLBACK)

    answer = sso_sign_in(client, "wati")

    assert answer.status_code == 302
    assert signed_in_as(client) == wati.pk


def test_entra_ids_verified_domain_claim_stands_in_for_a_missing_email_verified(
    client: Client, sso_config: SsoConfigure
) -> None:
    mira = user_create(username="mira", password=None, role=Role.AGENT, email="mira@contoh.id")
    sso_config(CALLBACK)

    sso_sign_in(client, "mira")

    assert signed_in_as(client) == mira.pk


def test_a_new_person_of_an_allowed_domain_gets_an_agent_account_in_the_default_team(
    client: Client, sso_config: SsoConfigure
) -> None:
    team = team_create(name="Pengiriman", slug="pengiriman")
    sso_config(CALLBACK, auto_provision=True, default_team="pengiriman")

    answer = sso_sign_in(client, "dewi")

    assert answer.status_code == 302
    dewi = User.objects.get(email="dewi.lestari@contoh.id")
    assert signed_in_as(client) == dewi.pk
    assert (dewi.username, dewi.first_name, dewi.last_name) == (
        "dewi.lestari@contoh.id",
        "Dewi",
        "Lestari",
    )
    assert (dewi.role, dewi.is_active, dewi.is_staff, dewi.is_superuser) == (
        Role.AGENT,
        True,
        False,
        False,
    )
    assert dewi.email_verified_at is not None
    assert not dewi.has_usable_password()
    assert list(Team.objects.filter(members=dewi)) == [team]
    [made] = events(SecurityKind.SSO_PROVISIONED)
    assert (made.user_id, made.detail) == (dewi.pk, f"{PROVIDER_NAME}: agent, Pengiriman")
    assert made.data["sub"] == "dewi"
    [sign_in] = events(SecurityKind.SIGN_IN)
    assert (sign_in.user_id, sign_in.data["provisioned"]) == (dewi.pk, True)

    # The next time the same person is recognised, not made again.
    client.logout()
    sso_sign_in(client, "dewi")
    assert User.objects.filter(email__iexact="dewi.lestari@contoh.id").count() == 1
    assert len(events(SecurityKind.SSO_PROVISIONED)) == 1


def test_provisioning_makes_supervisors_when_configured_and_never_reuses_a_username(
    client: Client, sso_config: SsoConfigure
) -> None:
    user_create(username="dewi.lestari@contoh.id", password="x", role=Role.AGENT, email="x@y.id")
    sso_config(CALLBACK, auto_provision=True, default_role="supervisor")

    sso_sign_in(client, "dewi")

    dewi = User.objects.get(email="dewi.lestari@contoh.id")
    assert (dewi.username, dewi.role, dewi.is_staff) == (
        "dewi.lestari+2@contoh.id",
        Role.SUPERVISOR,
        True,
    )


def _deactivated_sari() -> None:
    user_create(username="sari", password=None, role=Role.AGENT, email="sari@contoh.id")
    User.objects.filter(username="sari").update(is_active=False)


def _customer_budi() -> None:
    user_create(username="budi", password=None, role=Role.CUSTOMER, email="budi@contoh.id")


@pytest.mark.parametrize(
    ("login", "given", "provision", "reason", "message"),
    [
        ("tono", None, True, "email_unverified", "belum diverifikasi oleh Keycloak Contoh"),
        ("tanpa", None, True, "email_unverified", "belum diverifikasi oleh Keycloak Contoh"),
        ("eko", None, True, "domain_not_allowed", "domain lain.example tidak diizinkan"),
        ("sari", _deactivated_sari, True, "deactivated", "sudah dinonaktifkan"),
        ("dewi", None, False, "unknown_user", "Belum ada akun staf Sigap untuk dewi.lestari@"),
        ("budi", _customer_budi, True, "customer", "hanya untuk staf"),
    ],
)
def test_it_refuses_with_the_reason_and_lets_nobody_in(
    client: Client,
    sso_config: SsoConfigure,
    login: str,
    given: Any,
    provision: bool,
    reason: str,
    message: str,
) -> None:
    if given is not None:
        given()
    sso_config(CALLBACK, auto_provision=provision)
    users = sorted(User.objects.values_list("pk", "is_active", "role"))

    answer = sso_sign_in(client, login)

    assert answer.status_code == 403
    assert message in answer.content.decode()
    assert "Tidak bisa masuk dengan Keycloak Contoh" in answer.content.decode()
    assert signed_in_as(client) is None
    assert sorted(User.objects.values_list("pk", "is_active", "role")) == users
    assert events(SecurityKind.SIGN_IN) == []
    assert events(SecurityKind.SSO_PROVISIONED) == []
    [failed] = events(SecurityKind.SIGN_IN_FAILED)
    assert failed.detail == f"SSO {PROVIDER_NAME}: {reason}"
    assert failed.data["reason"] == reason


def test_an_answer_meant_for_another_browser_is_refused(
    client: Client, sso_config: SsoConfigure, rina: User
) -> None:
    sso_config(CALLBACK)
    back = sign_in_at_provider(start(client), "rina")

    other = Client()
    answer = come_back(other, back)

    assert answer.status_code == 400
    assert "tidak cocok dengan sesi di peramban Anda" in answer.content.decode()
    assert signed_in_as(other) is None
    [failed] = events(SecurityKind.SIGN_IN_FAILED)
    assert failed.data["reason"] == "state_mismatch"


def test_an_answer_is_used_once(client: Client, sso_config: SsoConfigure, rina: User) -> None:
    sso_config(CALLBACK)
    back = sign_in_at_provider(start(client), "rina")
    assert come_back(client, back).status_code == 302
    client.logout()

    again = come_back(client, back)

    assert again.status_code == 400
    assert signed_in_as(client) is None


def test_an_id_token_for_another_nonce_is_refused(
    client: Client, sso_config: SsoConfigure, rina: User
) -> None:
    sso_config(CALLBACK)
    authorize = start(client)
    session = client.session
    [key] = [k for k, _v in session.items() if k.startswith("_state_sso_")]
    state = session[key]
    state["data"]["nonce"] = "bukan-nonce-yang-dikirim"
    session[key] = state
    session.save()

    answer = come_back(client, sign_in_at_provider(authorize, "rina"))

    assert answer.status_code == 400
    assert "tidak sah" in answer.content.decode()
    assert signed_in_as(client) is None
    [failed] = events(SecurityKind.SIGN_IN_FAILED)
    assert failed.data["reason"] == "nonce_mismatch"


def test_a_wrong_password_at_the_provider_gets_nobody_back(
    client: Client, sso_config: SsoConfigure, rina: User
) -> None:
    sso_config(CALLBACK)

    with pytest.raises(AssertionError, match="refused rina's password"):
        sign_in_at_provider(start(client), "rina", PASSWORD + "-salah")


def test_an_unreachable_provider_is_a_clear_page_not_a_500(client: Client, settings: Any) -> None:
    settings.SIGAP_OIDC_ISSUER = "http://127.0.0.1:9"  # discard: nobody listens
    settings.SIGAP_OIDC_CLIENT_ID = "sigap"
    settings.SIGAP_OIDC_CLIENT_SECRET = "rahasia"

    answer = client.get("/masuk/sso/")

    assert answer.status_code == 502
    assert "tidak bisa dihubungi" in answer.content.decode()


def test_an_id_token_not_signed_by_the_providers_key_is_refused(
    client: Client, sso_config: SsoConfigure, rina: User
) -> None:
    sso_config(CALLBACK)
    authorize = start(client)
    # Sigap now believes the provider signs with another key (same key id).
    impostor = RSAKey.generate_key(2048, parameters={"kid": "sigap-test", "use": "sig"})
    sso.client(sso.config()).server_metadata["jwks"] = {"keys": [impostor.as_dict(private=False)]}

    answer = come_back(client, sign_in_at_provider(authorize, "rina"))

    assert answer.status_code == 400
    assert signed_in_as(client) is None
    [failed] = events(SecurityKind.SIGN_IN_FAILED)
    assert failed.data["reason"] == "token_invalid"


def test_a_discovery_document_naming_another_issuer_is_refused(
    client: Client, sso_config: SsoConfigure
) -> None:
    provider = sso_config(CALLBACK)
    sso_config(CALLBACK, issuer=provider.issuer + "/")

    answer = client.get("/masuk/sso/")

    assert answer.status_code == 502
    assert "tidak cocok. Hubungi admin." in answer.content.decode()
