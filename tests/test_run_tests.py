"""`make test`'s runner: the modules it leaves to the PostgreSQL run exist and say nothing
about the database engine in their own code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

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
