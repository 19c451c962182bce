"""What a Sigap process loads as it starts: every server, worker and command pays for it,
and so does the test suite, which starts dozens of them. Heavy libraries that only a few
requests use are imported where they are used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import django
django.setup()
after_setup = set(sys.modules)
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps({"setup": sorted(after_setup), "urls": sorted(sys.modules)}))
"""


def test_a_process_start_loads_no_chart_spreadsheet_sign_in_or_page_code_it_needs_not() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sigap.settings"}
    env.pop("SIGAP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    setup, urls = set(loaded["setup"]), set(loaded["urls"])
    # a worker sets Django up and serves no page: the pages' code stays out of it
    assert "sigap.web.views" not in setup
    assert "sigap.web.saved_views" in setup  # what WebConfig.ready connects
    # a server imports the URLconf: charts (pygal), spreadsheets (openpyxl, and numpy
    # through it) and PDFs (WeasyPrint) load when a report is made, single sign-on's
    # client (authlib, joserfc, requests) with the first sign-in, not at start
    assert {"sigap.metrics.export", "sigap.accounts.sso_views"} <= urls
    for heavy in ("pygal", "openpyxl", "numpy", "weasyprint", "authlib", "joserfc", "requests"):
        assert heavy not in urls, heavy
