"""`make test`'s runner: the modules it leaves to the PostgreSQL run exist and say nothing
about the database engine in their own code; what a test with ``serialized_rollback`` is
not given back, the flush after a test that commits never removes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _runner() -> object:
    spec = importlib.util.spec_from_file_location("run_tests", ROOT / "scripts" / "run_tests.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_postgres_only_modules_exist_and_name_no_engine() -> None:
    listed = _runner().POSTGRES_ONLY  # type: ignore[attr-defined]
    assert len(listed) == len(set(listed))
    for path in listed:
        text = (ROOT / path).read_text()
        # a module that tests engine-specific behaviour says so; it belongs in both runs
        found = re.search(
            r"connection\.vendor|postgresql|sqlite|select_for_update|transaction=True", text, re.I
        )
        assert found is None, f"{path}: {found and found.group(0)}"


def _failure_explained(module: Path) -> str:
    """What the cached copy of ``module`` that pytest would import says when its
    ``test_it`` fails (pytest's explanation is there only if the assert was rewritten)."""
    from _pytest.assertion.rewrite import PYC_TAIL, _read_pyc

    code = _read_pyc(module, module.parent / "__pycache__" / f"{module.stem}{PYC_TAIL}")
    assert code is not None
    namespace: dict[str, object] = {}
    exec(code, namespace)
    try:
        namespace["test_it"]()  # type: ignore[operator]
    except AssertionError as exc:
        return str(exc)
    raise AssertionError("the rewritten test passed")


def test_a_test_module_is_rewritten_once_where_pytest_reads_it(tmp_path: Path) -> None:
    rewritten = _runner()._rewritten_for_pytest  # type: ignore[attr-defined]
    module = tmp_path / "test_sample.py"
    module.write_text("def one():\n    return 1\n\ndef test_it():\n    assert one() == 2\n")

    assert rewritten(str(module)) is True
    assert rewritten(str(module)) is False
    assert "where 1 = one()" in _failure_explained(module)
    # changed: written again, from the new source
    module.write_text("def two():\n    return 2\n\ndef test_it():\n    assert two() == 3\n")
    assert rewritten(str(module)) is True
    assert "where 2 = two()" in _failure_explained(module)


@pytest.mark.django_db
def test_what_serialized_rollback_leaves_out_is_kept_by_the_flush() -> None:
    """TEST_NON_SERIALIZED_APPS (sigap/test_settings.py): their rows live only in the
    tables the flush keeps (conftest.py's _KEPT_BY_FLUSH); a row elsewhere, e.g. a group a
    migration made, would be lost after the first test that commits."""
    kept = {"django_content_type", "auth_permission"}
    left_out = [c for c in apps.get_app_configs() if c.name in settings.TEST_NON_SERIALIZED_APPS]
    assert {c.name for c in left_out} == set(settings.TEST_NON_SERIALIZED_APPS)
    tables = {m._meta.db_table for c in left_out for m in c.get_models(include_auto_created=True)}
    assert kept <= tables
    for config in left_out:
        for model in config.get_models(include_auto_created=True):
            if model._meta.db_table not in kept:
                assert not model._base_manager.exists(), model._meta.label
    flush = connection.ops.sql_flush(no_style(), connection.introspection.django_table_names())
    assert flush and not [sql for sql in flush for table in kept if table in sql]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_test_after_a_flush_gets_the_migrated_rows_back(
    request: pytest.FixtureRequest,
) -> None:
    """pytest-xdist's work stealing can hand a process whose database a committing test
    has flushed a test that reads what the migrations wrote (seen: the SLA settings' tests
    not finding the office-hours calendar). conftest.py restores those rows before it."""
    from django.core.management import call_command

    from sigap.sla.models import BusinessCalendar

    conftest = request.config.pluginmanager.get_plugin(str(ROOT / "conftest.py"))
    office = BusinessCalendar.objects.filter(name="Jam kantor (WIB)")
    conftest._flushed = False  # whatever came before: this test flushes anyway
    connection.ops.sql_flush(no_style(), connection.introspection.django_table_names())
    assert not conftest._flushed  # statements written, none run
    # a committing test's teardown, one that reset the sequences too
    call_command("flush", interactive=False, verbosity=0, reset_sequences=True)
    assert conftest._flushed and not office.exists()
    assert conftest._migrated_rows_back(request.config) is True
    assert office.exists() and not conftest._flushed
    # made after them, a row gets a new id
    BusinessCalendar.objects.create(name="Baru", time_zone="Asia/Jakarta")
    assert conftest._migrated_rows_back(request.config) is False  # once a flush
