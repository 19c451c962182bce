"""The single sign-on pages (docs/sso.md): ``/masuk/sso/`` sends the browser to the
provider, ``/masuk/sso/selesai/`` takes its answer, signs the person in and records it.

Sign-in starts with a plain link (a GET): the Content-Security-Policy's ``form-action``
does not apply to it, so it needs no exception for the provider (a form POSTed to Sigap and
redirected to the provider is checked against ``form-action``, redirects included, and the
provider may redirect on to hosts of its own). A third party that makes a browser follow
the link gains nothing: the answer is bound to this browser's session by ``state`` and
``nonce``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sigap.accounts import audit, sso
from sigap.accounts.models import SecurityKind

NEXT_KEY = "sigap_sso_next"
# What a password sign-in uses too; it loads the user on every request (active ones only).
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _config() -> sso.SsoConfig:
    cfg = sso.config()
    if cfg is None:
        raise Http404
    return cfg


def _safe_next(request: HttpRequest, url: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else ""


def _unreachable(cfg: sso.SsoConfig) -> sso.SsoRefused:
    return sso.SsoRefused(
        "provider_unreachable",
        _("%(provider)s tidak bisa dihubungi sekarang. Coba lagi sebentar lagi.")
        % {"provider": cfg.provider_name},
        status=502,
    )


@require_GET
def sso_start(request: HttpRequest) -> HttpResponse:
    cfg = _config()
    next_url = _safe_next(request, request.GET.get("next", ""))
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    import requests  # here, not with the URLconf: see sso.client

    app = sso.client(cfg)
    try:
        sso.provider_metadata(cfg, app)
        request.session[NEXT_KEY] = next_url
        response: HttpResponse = app.authorize_redirect(
            request, request.build_absolute_uri(reverse("sso:callback"))
        )
    except sso.SsoRefused as exc:
        return _refused(request, cfg, exc)
    except (requests.RequestException, ValueError):
        return _refused(request, cfg, _unreachable(cfg))
    return response


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    cfg = _config()
    try:
        claims = _verified_claims(request, cfg)
        identity = sso.identity_from_claims(cfg, claims)
        user, made = sso.sso_user_resolve(cfg=cfg, identity=identity)
    except sso.SsoRefused as exc:
        return _refused(request, cfg, exc)
    next_url = _safe_next(request, request.session.pop(NEXT_KEY, ""))
    audit.signing_in_via(
        request,
        f"SSO: {cfg.provider_name}",
        {"via": "sso", "issuer": cfg.issuer, "sub": identity.subject, "provisioned": made},
    )
    login(request, user, backend=BACKEND)
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def _verified_claims(request: HttpRequest, cfg: sso.SsoConfig) -> dict[str, Any]:
    """The claims of the provider's answer: the code exchanged, the ID token checked
    (signature, issuer, audience, expiry, nonce) and, when the email is not in it, the
    userinfo endpoint asked for the same subject."""
    # authlib, joserfc and requests (about a quarter of a second) load with the first
    # sign-in, not with the URLconf of every process
    import requests
    from authlib.integrations.base_client import MismatchingStateError, OAuthError
    from joserfc.errors import InvalidClaimError, JoseError

    app = sso.client(cfg)
    if request.GET.get("error"):
        raise sso.SsoRefused(
            "provider_error",
            _("%(provider)s tidak meneruskan Anda masuk (%(error)s). Silakan coba lagi.")
            % {"provider": cfg.provider_name, "error": request.GET["error"][:100]},
        )
    if request.GET.get("iss", cfg.issuer) != cfg.issuer:  # RFC 9207: a mix-up of providers
        raise sso.SsoRefused(
            "issuer_mismatch",
            _("Jawaban ini bukan dari %(provider)s. Silakan mulai lagi dari halaman masuk.")
            % {"provider": cfg.provider_name},
            status=400,
        )
    try:
        metadata = sso.provider_metadata(cfg, app)
        token = app.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise InvalidClaimError("id_token")
        vouched = "email_verified" in claims or "xms_edov" in claims
        if ("email" not in claims or not vouched) and metadata.get("userinfo_endpoint"):
            extra = dict(app.userinfo(token=token))
            if extra.get("sub") != claims.get("sub"):
                raise InvalidClaimError("sub")
            if "email" not in claims:
                claims = {**extra, **claims}
            elif str(extra.get("email", "")).lower() == str(claims["email"]).lower():
                # userinfo vouches for the ID token's address only when it is the same one
                for key in ("email_verified", "xms_edov"):
                    if key in extra and key not in claims:
                        claims[key] = extra[key]
    except MismatchingStateError as exc:
        raise sso.SsoRefused(
            "state_mismatch",
            _(
                "Permintaan masuk ini tidak cocok dengan sesi di peramban Anda atau sudah "
                "kedaluwarsa. Silakan mulai lagi dari halaman masuk."
            ),
            status=400,
        ) from exc
    except JoseError as exc:
        claim = getattr(exc, "claim", "")
        raise sso.SsoRefused(
            "nonce_mismatch" if claim == "nonce" else "token_invalid",
            _(
                "Jawaban %(provider)s tidak sah, jadi Sigap tidak memakainya. Silakan mulai "
                "lagi dari halaman masuk."
            )
            % {"provider": cfg.provider_name},
            status=400,
        ) from exc
    except OAuthError as exc:
        raise sso.SsoRefused(
            "provider_error",
            _("%(provider)s menolak permintaan masuk (%(error)s). Silakan coba lagi.")
            % {"provider": cfg.provider_name, "error": str(exc.error or "")[:100]},
            status=400,
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise _unreachable(cfg) from exc
    return claims


def _refused(request: HttpRequest, cfg: sso.SsoConfig, exc: sso.SsoRefused) -> HttpResponse:
    audit.record(
        SecurityKind.SIGN_IN_FAILED,
        user_name=exc.email,
        detail=f"SSO {cfg.provider_name}: {exc.reason}",
        data={"via": "sso", "reason": exc.reason, "issuer": cfg.issuer},
    )
    return render(
        request,
        "accounts/sso_refused.html",
        {"message": exc.message, "provider": cfg.provider_name},
        status=exc.status,
    )
