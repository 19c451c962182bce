"""Safety detector quality and speed. Run: `.venv/bin/python bench/safety.py`.

Scores ``sigap.text.safety.detect`` on the held-out set ``safety_eval.tsv`` (and, for
comparison, on ``safety_dev.tsv``, the set the lexicon was tuned on): recall, precision,
F1 and the confusion counts. Then measures throughput on one core (this process), for
``detect`` and for ``tokens``: first pass with empty word caches (the data files already
loaded), then steady state over --rounds repetitions. Needs no Django and no database.
Targets (issue): recall >= 0.98 on the evaluation set, >= 2,000 messages/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from importlib import resources

from sigap.text import indonesian as text
from sigap.text.safety import clear_caches, detect, lexicon

MIN_RECALL = 0.98
TARGET_RATE = 2_000


def load(name: str) -> list[tuple[str, str]]:
    lines = (resources.files("sigap.triage") / "data" / name).read_text(encoding="utf-8")
    rows = []
    for line in lines.splitlines()[1:]:
        message, label = line.split("\t")
        rows.append((message, label))
    return rows


def score(name: str, *, show_errors: bool) -> float:
    rows = load(name)
    tp = fp = fn = tn = 0
    for message, label in rows:
        flagged = detect(message).is_safety
        if label == "safety":
            tp += flagged
            fn += not flagged
            if show_errors and not flagged:
                print(f"    missed:      {message}")
        else:
            fp += flagged
            tn += not flagged
            if show_errors and flagged:
                print(f"    false alarm: {message}  {detect(message).signals}")
    recall = tp / (tp + fn)
    precision = tp / (tp + fp)
    f1 = 2 * precision * recall / (precision + recall)
    print(
        f"{name}: recall {recall:.3f} ({tp}/{tp + fn})  precision {precision:.3f} "
        f"({tp}/{tp + fp})  F1 {f1:.3f}  [tp {tp}, fn {fn}, fp {fp}, tn {tn}; "
        f"{tp + fn} safety + {fp + tn} ordinary]"
    )
    return recall


def rate(
    function: Callable[[str], object], messages: list[str], rounds: int
) -> tuple[float, float]:
    """Messages/s on the first pass (empty word caches) and at steady state."""
    clear_caches()
    started = time.perf_counter()
    for message in messages:
        function(message)
    first = len(messages) / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(rounds):
        for message in messages:
            function(message)
    steady = rounds * len(messages) / (time.perf_counter() - started)
    return first, steady


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()

    started = time.perf_counter()
    lexicon()
    text.vocabulary()
    print(f"data loaded in {time.perf_counter() - started:.2f} s")
    recall = score("safety_eval.tsv", show_errors=args.errors)
    score("safety_dev.tsv", show_errors=args.errors)

    messages = [message for message, _ in load("safety_eval.tsv")]
    chars = sum(map(len, messages)) / len(messages)
    print(f"throughput, one core, {len(messages)} messages of {chars:.0f} characters on average:")
    rates = {}
    for name, function in (("detect()", detect), ("tokens()", text.tokens)):
        first, steady = rate(function, messages, args.rounds)
        rates[name] = first
        print(f"  {name:9} {first:9,.0f} msg/s first pass, {steady:9,.0f} msg/s steady state")
    ok = recall >= MIN_RECALL and min(rates.values()) >= TARGET_RATE
    verdict = "PASS" if ok else "FAIL"
    print(f"[{verdict} recall >= {MIN_RECALL} on safety_eval.tsv, >= {TARGET_RATE:,} msg/s]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
