"""Function-local imports across Sigap's apps are allowed only with a comment saying why.

import-linter (``make lint``) checks the direction of every import, local ones included;
this checks that a local import is not hiding a dependency: an import of another app
inside a function must carry a comment on its first line (``# ready(): …``). Tests and
migrations are exempt. Exits 1 and lists the offenders.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "sigap"


def _commented_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            lines.add(token.start[0])
    return lines


def offenders(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) == 1 or "tests" in parts or "migrations" in parts:
            continue
        app = parts[0]
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        commented = _commented_lines(source)
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                for name in names:
                    bits = name.split(".")
                    if len(bits) < 2 or bits[0] != "sigap" or bits[1] == app:
                        continue
                    if not (root / bits[1]).is_dir():
                        continue
                    if node.lineno not in commented:
                        where = path.relative_to(root.parent.parent)
                        found.append(f"{where}:{node.lineno}: local import of {name} (say why)")
    return found


def main() -> int:
    found = offenders(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
