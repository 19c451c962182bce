"""The public address in emailed links (``settings.SITE_URL``) follows the address served.

``SIGAP_SITE_URL`` set by the operator wins (behind a proxy it is the proxy's address);
left unset, ``sigap serve`` and ``sigap demo`` make it the address they serve, so a demo on
another port mails links to that port. ``adopt`` also writes it into the environment, so
the processes started from there (uvicorn's workers, the background worker that sends the
mail) read the same address.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# Addresses that mean "every interface": a browser cannot open them, the loopback can.
ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server bound to host:port."""
    if host in ANY_ADDRESS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


def explicit() -> bool:
    """Whether the operator set the site URL (the variable or its ``_FILE``)."""
    return bool(os.environ.get("SIGAP_SITE_URL") or os.environ.get("SIGAP_SITE_URL_FILE"))


LOOPBACK = {"localhost", "127.0.0.1", "::1"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def _key(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url.strip().rstrip("/"))
    host = (parts.hostname or "").lower()
    return (
        parts.scheme.lower(),
        "loopback" if host in LOOPBACK else host,
        parts.port or DEFAULT_PORTS.get(parts.scheme.lower()),
    )


def adopt(host: str, port: int) -> str:
    """Make the served address the site URL unless the operator set one; return a warning
    (empty when none) when the one set is not the address served."""
    served = served_url(host, port)
    if not explicit():
        settings.SITE_URL = served
        os.environ["SIGAP_SITE_URL"] = served  # the worker and uvicorn's workers inherit it
        return ""
    configured = str(settings.SITE_URL)
    want, have = _key(configured), _key(served)
    if want == have or (host in ANY_ADDRESS and want[::2] == have[::2]):
        return ""  # (bound to every interface: any host name of this machine will do)
    return _(
        "Peringatan: SIGAP_SITE_URL adalah %(configured)s, tetapi Sigap melayani di %(served)s. "
        "Tautan dalam email (aktivasi, tautan masuk, survei, artikel) menunjuk ke "
        "%(configured)s. Abaikan bila itu alamat proxy di depan Sigap; bila tidak, ubah "
        "SIGAP_SITE_URL atau hapus agar mengikuti alamat yang dilayani."
    ) % {"configured": configured, "served": served}
