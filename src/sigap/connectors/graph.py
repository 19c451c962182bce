"""One client for Meta's Graph API, shared by WhatsApp (Cloud API), Facebook Messenger and
Instagram: the bearer token, the timeout, Meta's error object turned into a ``SendError``
(retryable on HTTP 408/425/429/5xx, on the codes that mean "not now" whatever the status,
and on network errors; ``Retry-After`` honoured), the token kept out of every message."""

from __future__ import annotations

from typing import Any

import httpx
from django.utils.translation import gettext_lazy

from sigap.connectors.delivery import (
    TIMEOUT,
    SendError,
    network_error,
    retry_after_of,
    retryable_status,
)
from sigap.core.locale import said_in_default_language

# Graph API codes that mean "not now" even when the HTTP status is 400: throttling
# (4, 80007, 130429, 131056), temporary unavailability (1, 2, 131016, 133004) and
# "something went wrong, try again" (131000).
RETRYABLE_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004})


def error_text(error: dict[str, Any]) -> str:
    """``(#131047) Re-engagement message: <details>`` from a Graph API error object."""
    code = error.get("code")
    title = str(error.get("message") or error.get("title") or "Kesalahan Graph API")
    data = error.get("error_data")
    details = str(data.get("details") or "") if isinstance(data, dict) else ""
    if code is not None and f"#{code}" not in title:
        title = f"(#{code}) {title}"
    return f"{title}: {details}" if details and details not in title else title


def api_error(response: httpx.Response, label: str) -> SendError:
    try:
        data = response.json()
    except ValueError:
        data = {}
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        text = error_text(error)
        code = error.get("code")
    else:
        text = f"HTTP {response.status_code}: {response.text[:300]}"
        code = None
    return SendError(
        f"{label}: {text}",
        retryable=retryable_status(response.status_code) or code in RETRYABLE_CODES,
        status_code=response.status_code,
        retry_after=retry_after_of(response),
    )


def call(method: str, url: str, *, token: str, label: str, **kwargs: Any) -> httpx.Response:
    """One request with the bearer ``token``; a failure raises ``SendError``."""
    try:
        response = httpx.request(
            method, url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT, **kwargs
        )
    except httpx.HTTPError as exc:
        raise network_error(exc, token) from exc
    if not response.is_success:
        raise api_error(response, label)
    return response


def json_of(response: httpx.Response, label: str) -> dict[str, Any]:
    """The answer's JSON object; an answer that is not JSON is retried."""
    try:
        data = response.json()
    except ValueError as exc:
        raise SendError(
            said_in_default_language(
                gettext_lazy("%(label)s: jawaban API bukan JSON"), label=label
            ),
            retryable=True,
        ) from exc
    return data if isinstance(data, dict) else {}
