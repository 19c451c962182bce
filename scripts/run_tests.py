"""Run the whole test suite on PostgreSQL (and with Redis) when reachable and, side by
side, every test that uses the database again on SQLite (the tests that do not use it run
in one of the two); only on SQLite otherwise.

Environment:
  SIGAP_TEST_POSTGRES_URL  e.g. postgres://postgres@127.0.0.1:5432/sigap  (CI sets it)
  SIGAP_TEST_REDIS_URL     e.g. redis://127.0.0.1:6379/15                  (CI sets it)
Extra arguments are passed to pytest. Exits non-zero when any run fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlparse, urlunparse

PYTEST = [sys.executable, "-m", "pytest", "--durations=10", "-q"]
# Test processes per run, on this 2-core machine. The PostgreSQL run waits much (servers,
# workers and browsers started, PostgreSQL's own CPU): alone with two processes it kept
# about 1.2 cores busy and took 475 s; with three and work stealing (an idle process takes
# tests queued for another, so the run does not end on one process's long tests) 390 s
# (2026-12-06). In a whole CI run, three with work stealing took 509.6 s and three with
# xdist's default scheduling 526.8 s. The SQLite run, beside it, keeps two.
ALONE = ["-n", "2", "--dist", "worksteal"]
POSTGRES = ["-n", "3", "--dist", "worksteal"]
SQLITE = ["-n", "2", "--dist", "worksteal"]


# Modules the SQLite run leaves to the PostgreSQL run, two kinds:
#
# 1. Their subject is a protocol, a payload, a permission or HTTP handling (channels'
#    webhooks and messages, single sign-on, the API's authorization matrix, security
#    headers, redirects, upload limits, error and language pages).
# 2. The engine probe (scripts/engine_probe.py, run over the whole SQLite run) saw none of
#    their tests reach a path that differs between the engines: no engine branch of
#    Sigap's, no SQL of Sigap's own but the statements their own modules hold to the ORM's
#    answer on both engines (engine_probe.HELD; those modules stay in both runs), no SQL
#    the ORM renders differently per engine (date and time-zone functions, JSON, casts,
#    LIKE, collations, full-text search), no commits. Probed on 2026-12-06: 59 of 144
#    modules, about 30 % of the SQLite run's test time. A module that changes may reach
#    such a path later: run the probe again when adding to or reviewing this list.
#
# Everything about search, SLA and calendars, metrics and reports, transitions, queues,
# loyalty, campaigns, customers' matching and merging, migrations and the raw SQL's own
# tests stays in both runs.
POSTGRES_ONLY = [
    "tests/test_sso.py",
    "tests/test_api_authz_matrix.py",
    "tests/test_api_customer_view.py",
    "tests/test_api_session_and_docs.py",
    "tests/test_open_redirects.py",
    "tests/test_security_headers.py",
    "tests/test_upload_limits.py",
    "tests/test_fake_connector.py",
    "tests/test_health.py",
    "tests/test_cli.py",
    "src/sigap/connectors/tests/test_meta.py",
    "src/sigap/connectors/tests/test_whatsapp.py",
    "src/sigap/connectors/tests/test_telegram.py",
    "src/sigap/connectors/tests/test_chatbot_quick_replies.py",
    "src/sigap/connectors/tests/test_survey_replies.py",
    "src/sigap/connectors/tests/test_email_html.py",
    "src/sigap/connectors/phone/tests/test_pbx_hook.py",
    "src/sigap/kb/tests/test_bot.py",
    "src/sigap/web/tests/test_error_pages.py",
    "src/sigap/web/tests/test_locale.py",
    # the engine probe's (2.)
    "src/sigap/accounts/tests/test_cached_user.py",
    "src/sigap/accounts/tests/test_directory.py",
    "src/sigap/accounts/tests/test_message_templates.py",
    "src/sigap/accounts/tests/test_sessions.py",
    "src/sigap/automations/tests/test_builder_services.py",
    "src/sigap/automations/tests/test_rules.py",
    "src/sigap/connectors/livechat/tests/test_merge_refused.py",
    "src/sigap/connectors/livechat/tests/test_views.py",
    "src/sigap/connectors/livechat/tests/test_workspace.py",
    "src/sigap/connectors/phone/tests/test_call_timer.py",
    "src/sigap/connectors/tests/test_brands_channels.py",
    "src/sigap/connectors/tests/test_channel_accounts.py",
    "src/sigap/connectors/tests/test_channel_removal.py",
    "src/sigap/connectors/tests/test_channel_setup.py",
    "src/sigap/connectors/tests/test_customer_language.py",
    "src/sigap/connectors/tests/test_email_out.py",
    "src/sigap/connectors/tests/test_mailbox_settings.py",
    "src/sigap/connectors/tests/test_message_templates_mail.py",
    "src/sigap/core/tests/test_outbox.py",
    "src/sigap/customers/tests/test_customers.py",
    "src/sigap/customers/tests/test_duplicates.py",
    "src/sigap/kb/tests/test_versions.py",
    "src/sigap/portal/tests/test_customer_language.py",
    "src/sigap/relations/tests/test_incidents.py",
    "src/sigap/relations/tests/test_stream.py",
    "src/sigap/tickets/tests/test_automations.py",
    "src/sigap/tickets/tests/test_hooks.py",
    "src/sigap/tickets/tests/test_procedure.py",
    "src/sigap/tickets/tests/test_sla_defaults.py",
    "src/sigap/tickets/tests/test_timeline.py",
    "src/sigap/tickets/tests/test_transitions_property.py",
    "src/sigap/tickets/tests/test_update.py",
    "src/sigap/triage/tests/test_routing.py",
    "src/sigap/triage/tests/test_routing_rule_services.py",
    "src/sigap/web/tests/test_approvals_page.py",
    "src/sigap/web/tests/test_english.py",
    "src/sigap/web/tests/test_escalation_ladder.py",
    "src/sigap/web/tests/test_incidents_pages.py",
    "src/sigap/web/tests/test_macros.py",
    "src/sigap/web/tests/test_metric_targets.py",
    "src/sigap/web/tests/test_pages_access.py",
    "src/sigap/web/tests/test_phone_extensions.py",
    "src/sigap/web/tests/test_priority_matrix.py",
    "src/sigap/web/tests/test_proposal_answer.py",
    "src/sigap/web/tests/test_settings_area.py",
    "src/sigap/web/tests/test_settings_rules.py",
    "src/sigap/web/tests/test_settings_templates.py",
    "src/sigap/web/tests/test_staff_menu.py",
    "src/sigap/web/tests/test_supervisor_home.py",
    "src/sigap/web/tests/test_workbench.py",
    "src/sigap/webhooks/tests/test_webhooks.py",
    "tests/test_api_approvals.py",
    "tests/test_api_attachments.py",
    "tests/test_api_merge.py",
    "tests/test_api_procedure.py",
    "tests/test_api_query_counts.py",
    "tests/test_twofactor_probe.py",
]


ROOT = Path(__file__).resolve().parent.parent


def _rewritten_for_pytest(path: str) -> bool:
    """Write pytest's cached copy of one test module with its asserts rewritten (the
    ``__pycache__/*-pytest-*.pyc`` its import hook reads), unless a current one is there."""
    from _pytest.assertion.rewrite import PYC_TAIL, _read_pyc, _rewrite_test, _write_pyc

    class _Quiet:  # the assertion state's tracer, for the write's errors
        def trace(self, message: str) -> None:
            pass

    fn = Path(path)
    pyc = fn.parent / "__pycache__" / (fn.name[:-3] + PYC_TAIL)
    if _read_pyc(fn, pyc) is not None:
        return False
    pyc.parent.mkdir(exist_ok=True)
    # no config: the code rewritten without one is the same unless enable_assertion_pass_hook
    # is set in pytest's options (it is not)
    source_hash, code = _rewrite_test(fn, None)  # type: ignore[arg-type]
    return _write_pyc(_Quiet(), code, source_hash, pyc)  # type: ignore[arg-type]


def warm_assertion_rewrites() -> None:
    """pytest imports every test module and conftest.py through its assertion rewriter and
    keeps the result in __pycache__; a process that finds none there rewrites them all
    itself, about 6 s of CPU (collection 5.6 -> 11.9 s of CPU, measured 2026-12-07). On a
    fresh checkout (CI's) the five test processes of the two runs all started without them
    and each rewrote everything: written here once, over the cores, before they start. Any
    failure here only leaves the work to pytest, as before. (Written even where
    PYTHONDONTWRITEBYTECODE is set: main() takes it from the test runs' environment.)"""
    paths = [str(ROOT / "conftest.py")]
    for folder in ("src", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "conftest.py" or (
                path.name.startswith("test_") and "node_modules" not in path.parts
            ):
                paths.append(str(path))
    try:
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_rewritten_for_pytest, paths, chunksize=16))
    except Exception as exc:  # pytest rewrites them itself
        print(f"(pytest's rewritten test modules not prepared: {exc})", flush=True)


def postgres_reachable(url: str) -> str | None:
    """None when a connection works, else the reason it does not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg missing: {exc}"
    # The database named in the URL need not exist (the tests create test_<name>); ask the
    # server through its maintenance database.
    server = urlparse(url.replace("postgres://", "postgresql://", 1))._replace(path="/postgres")
    try:
        with psycopg.connect(urlunparse(server), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def other_redis_database(url: str) -> str:
    """The same Redis server, the database number below (above for 0): the two runs go
    side by side and must not flush each other's channel layer."""
    parts = urlparse(url)
    number = int(parts.path.strip("/") or 0)
    return urlunparse(parts._replace(path=f"/{number - 1 if number else 1}"))


def main() -> int:
    extra = sys.argv[1:]
    # Without PYTHONDONTWRITEBYTECODE (set in some shells and CI images): pytest keeps the
    # test modules it rewrote for its assertions in __pycache__, where every test process
    # (and the next run) reads them instead of parsing and rewriting all of them again,
    # about 7 s of CPU per process (collection 14 s -> 7 s, measured).
    skip = {"SIGAP_DATABASE_URL", "PYTHONDONTWRITEBYTECODE"}
    base = {k: v for k, v in os.environ.items() if k not in skip}
    warm_assertion_rewrites()
    pg_url = os.environ.get("SIGAP_TEST_POSTGRES_URL", "")
    reason = postgres_reachable(pg_url) if pg_url else "SIGAP_TEST_POSTGRES_URL is not set"
    if reason is not None:
        if pg_url:
            reason = f"{pg_url} is unreachable ({reason})"
        print(f"SKIPPED the PostgreSQL run: {reason}", flush=True)
        print("\n=== Sigap test suite on SQLite ===", flush=True)
        return 1 if subprocess.call([*PYTEST, *ALONE, *extra], env=base) else 0

    # Both runs at once: much of each is waiting (browsers, servers, workers started and
    # stopped), so side by side they keep the cores busy. The PostgreSQL run prints as it
    # goes; the SQLite run's report follows it.
    #
    # What is not about the database runs once (conftest.py, SIGAP_TEST_SIDE):
    # - on PostgreSQL: the production stack tests (marker; the contract module is not even
    #   collected on SQLite), and the POSTGRES_ONLY modules;
    # - on SQLite: the browser tests (marker ``e2e``: the pages and their scripts, on the
    #   embedded default that `make demo` serves), and every other test that never touches
    #   the test database (settings, parsing, text models, the architecture's checks). The
    #   PostgreSQL run, the longer of the two by far (about 530 of the two runs' 670
    #   core-seconds, 2026-12-07), ran them while the SQLite run, done first, left a core
    #   idle to its end. The browser tests cost less on SQLite, whose flush after each is a
    #   file's DELETEs, not PostgreSQL's TRUNCATE and restore: alone, two processes, 62 s of
    #   CPU and 89 s of wall against 80 s (PostgreSQL's own CPU besides) and 114 s
    #   (2026-12-08).
    # Nor, on SQLite, the tests listed in tests/engine_neutral.txt: the engine probe saw
    # them reach no path that differs between the engines (conftest.py).
    sqlite_ignored = ["tests/test_api_contract.py", *POSTGRES_ONLY]
    sqlite_env = {**base, "SIGAP_TEST_SIDE": "sqlite"}
    postgres_env = {
        **base,
        "SIGAP_DATABASE_URL": pg_url,
        "SIGAP_TEST_SIDE": "postgres",
        "SIGAP_TEST_SQLITE_IGNORES": ",".join(sqlite_ignored),
    }
    if base.get("SIGAP_TEST_REDIS_URL"):
        sqlite_env["SIGAP_TEST_REDIS_URL"] = other_redis_database(base["SIGAP_TEST_REDIS_URL"])
    sqlite_args = [
        "-m",
        "not production_stack",
        "-p",
        "no:schemathesis",  # its plugin, for the contract module: 0.4 s of CPU per process
        *[f"--ignore={module}" for module in sqlite_ignored],
        *extra,
    ]
    print(
        "The SQLite run, beside it, repeats the tests that use the database, but for "
        f"{len(POSTGRES_ONLY)} modules whose subject does not depend on it (POSTGRES_ONLY), "
        "and runs the tests that do not use it, the browser tests among them, but for the "
        "production stack's."
    )
    print("\n=== Sigap test suite on PostgreSQL ===", flush=True)
    with tempfile.TemporaryFile("w+") as sqlite_report:
        sqlite = subprocess.Popen(
            [*PYTEST, *SQLITE, *sqlite_args],
            env=sqlite_env,
            stdout=sqlite_report,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            postgres_failed = subprocess.call([*PYTEST, *POSTGRES, *extra], env=postgres_env)
        finally:
            sqlite_failed = sqlite.wait()
        sqlite_report.seek(0)
        print("\n=== Sigap test suite on SQLite ===", flush=True)
        sys.stdout.write(sqlite_report.read())
        sys.stdout.flush()
    return 1 if postgres_failed or sqlite_failed else 0


if __name__ == "__main__":
    sys.exit(main())
