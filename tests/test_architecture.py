"""The apps' import direction is enforced: a wrong import fails ``make lint`` with its reason."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import check_imports  # noqa: E402

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_sources(tmp_path: Path) -> Path:
    target = tmp_path / "sigap"
    shutil.copytree(
        ROOT / "src" / "sigap",
        target,
        ignore=lambda _dir, names: [
            n for n in names if not n.endswith(".py") and not (Path(_dir) / n).is_dir()
        ],
    )
    return target


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
def test_an_import_against_the_direction_fails_the_lint(tmp_path: Path) -> None:
    tree = _copy_sources(tmp_path)
    (tree / "core" / "upward.py").write_text("from sigap.tickets.models import Ticket\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1, done.stdout
    assert "sigap.core is not allowed to import sigap.tickets" in done.stdout
    assert "sigap.core.upward -> sigap.tickets.models" in done.stdout


def test_a_local_import_of_another_app_needs_a_comment_saying_why(tmp_path: Path) -> None:
    app = tmp_path / "sigap" / "kb"
    (tmp_path / "sigap" / "tickets").mkdir(parents=True)
    app.mkdir()
    (app / "hidden.py").write_text(
        "def f():\n    from sigap.tickets import services\n    return services\n"
    )
    (app / "said.py").write_text(
        "def f():\n    from sigap.tickets import services  # ready(): loaded now\n"
    )
    (app / "own.py").write_text("def f():\n    from sigap.kb import hidden\n")

    found = check_imports.offenders(tmp_path / "sigap")

    assert found == [
        f"{tmp_path.name}/sigap/kb/hidden.py:2: local import of sigap.tickets (say why)"
    ]


def test_the_tree_as_it_is_has_no_unexplained_local_import() -> None:
    assert check_imports.offenders() == []


def test_a_local_import_of_another_app_by_package_or_relative_name_needs_a_comment(
    tmp_path: Path,
) -> None:
    app = tmp_path / "sigap" / "kb"
    (tmp_path / "sigap" / "tickets").mkdir(parents=True)
    app.mkdir()
    (app / "hidden.py").write_text(
        "def f():\n"
        "    from sigap import tickets\n"
        "    from ..tickets import services\n"
        "    from .. import tickets as t\n"
        "    from . import own\n"
        "    from .own import thing\n"
        "    from sigap import kb\n"
        "    return tickets, services, t, own, thing, kb\n"
    )

    found = check_imports.offenders(tmp_path / "sigap")

    where = f"{tmp_path.name}/sigap/kb/hidden.py"
    assert found == [
        f"{where}:2: local import of sigap.tickets (say why)",
        f"{where}:3: local import of sigap.tickets (say why)",
        f"{where}:4: local import of sigap.tickets (say why)",
    ]
