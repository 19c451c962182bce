"""django-csp's middleware with the policy of a plain response built once.

django-csp 4.0 builds both headers (the policy and the report-only one) from the settings
on every response: two ``dataclasses.asdict`` and two ``build_policy`` calls, about 4 % of
the CPU of an API read (decision 0009). A response with no per-view policy (no
``csp_update``/``csp_replace``/``csp`` decorator) to a request that drew no nonce gets the
same two strings every time: they are built once, and again after a test changes the
settings. Any other response goes through django-csp's ``process_response`` unchanged.
``process_response`` below is django-csp 4.0's with the two strings taken from there.
"""

from __future__ import annotations

import http.client
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_PER_VIEW = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_plain: dict[bool, str] = {}  # report_only → the policy without a nonce or per-view parts


def plain_policy(report_only: bool) -> str:
    policy = _plain.get(report_only)
    if policy is None:
        policy = _plain[report_only] = build_policy(report_only=report_only)
    return policy


@receiver(setting_changed)
def _forget(*, setting: str, **_: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _plain.clear()


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _PER_VIEW
        ):
            return super().process_response(request, response)
        exempted_debug_codes = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
        if response.status_code in exempted_debug_codes and settings.DEBUG:
            return response
        for report_only, header, exempt in (
            (False, HEADER, "_csp_exempt"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro"),
        ):
            csp = plain_policy(report_only)
            if not csp:
                continue
            setting = "CONTENT_SECURITY_POLICY" + ("_REPORT_ONLY" if report_only else "")
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if (
                header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(tuple(prefixes))
            ):
                response[header] = csp
        # as django-csp: a nonce drawn after the header was written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
