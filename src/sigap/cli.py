"""The ``sigap`` console script: every operator task, as Django management commands.

sigap serve [--host H] [--port P] [--workers N]
sigap migrate
sigap demo
sigap createadmin [--username U] [--password P]
sigap token create USERNAME
sigap bench-seed N
sigap worker [--threads N]
sigap email-ingest FILE... (or stdin) [--retry-quarantine]
sigap smtpd [--host H] [--port 2525]
sigap metrics sync|rebuild|verify [--sample N]
sigap triage eval DATASET.tsv | predict | train | retrain
sigap kb-import FILE.json
sigap <any other manage.py command>
"""

from __future__ import annotations

import os
import sys

ALIASES = {"bench-seed": "bench_seed", "email-ingest": "email_ingest", "kb-import": "kb_import"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)  # noqa: T201
        return
    args[0] = ALIASES.get(args[0], args[0])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sigap", *args])


if __name__ == "__main__":
    main()
