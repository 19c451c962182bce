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
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "sigap"


def _commented_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            lines.add(token.start[0])
    return lines


def _local_imports(tree: ast.Module, package: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(line, module) of each import inside a function, nested functions included, once.
    A relative import is named absolutely (``package``: the importing module's package,
    ``("sigap", "kb")``), and ``from sigap import tickets`` by the app it imports."""
    stack: list[tuple[ast.AST, bool]] = [(node, False) for node in tree.body]
    while stack:
        node, in_function = stack.pop()
        if in_function and isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{module}" if module else base
            if module == "sigap" or not node.module:
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"
            else:
                yield node.lineno, module
        elif in_function and isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def offenders(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) == 1 or "tests" in parts or "migrations" in parts:
            continue
        app = parts[0]
        source = path.read_text(encoding="utf-8")
        local = []
        package = ("sigap", *parts[:-1])
        for lineno, name in _local_imports(ast.parse(source), package):
            bits = name.split(".")
            if len(bits) < 2 or bits[0] != "sigap" or bits[1] == app:
                continue
            if (root / bits[1]).is_dir():
                local.append((lineno, name))
        if not local:
            continue
        commented = _commented_lines(source)  # tokenized only where it is needed
        where = path.relative_to(root.parent.parent)
        found += [
            f"{where}:{lineno}: local import of {name} (say why)"
            for lineno, name in sorted(set(local))
            if lineno not in commented
        ]
    return found


def main() -> int:
    found = offenders(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
