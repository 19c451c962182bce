"""Triage models: quality on their held-out sets and classification speed. Run:
`make bench-triage` (or `.venv/bin/python bench/triage.py`). No database: the models are
trained here from the data Sigap ships, exactly as `sigap triage train` does.

Prints, per task, accuracy and macro-F1 on the held-out set (SmSA's validation split for
sentiment), then the classification throughput on one core: messages per second for all
four models together (the features are computed once per message), first pass and
steady state. Targets (issue 5): sentiment macro-F1 >= 0.85 on SmSA valid; >= 2,000
messages/s on one core.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sigap.triage import classify


def main() -> int:
    models = {}
    ok = True
    print("held-out quality (trained on the shipped data):")
    for task in classify.TASKS:
        started = time.perf_counter()
        model, held = classify.train_shipped(task)
        models[task] = model
        line = (
            f"  {task:<11} accuracy {held.accuracy:.4f}  macro-F1 {held.macro_f1:.4f}"
            f"  ({held.n} rows, trained in {time.perf_counter() - started:.1f} s)"
        )
        if task == "sentiment":
            passed = held.macro_f1 >= 0.85
            ok &= passed
            line += f"  [{'PASS' if passed else 'FAIL'} target >= 0.85 on SmSA valid]"
        print(line)
    # messages the models and the text pipeline have not seen (their caches are cold)
    root = Path(__file__).resolve().parent
    texts = [
        line.split("\t")[0]
        for line in (root.parent / "src/sigap/triage/data/safety_eval.tsv")
        .read_text()
        .splitlines()[1:]
    ]
    texts += [
        line.split("\t")[0]
        for line in (root / "data/chatbot_questions.tsv").read_text().splitlines()[1:]
    ]

    def run() -> float:
        started = time.perf_counter()
        docs = [classify.features(t) for t in texts]
        for model in models.values():
            model.predict_features(docs)
        return len(texts) / (time.perf_counter() - started)

    first = run()
    steady = max(run() for _ in range(3))
    passed = steady >= 2000
    ok &= passed
    print(
        f"classification, all four models, one core, {len(texts):,} messages: "
        f"{first:,.0f} msg/s first pass, {steady:,.0f} msg/s steady state"
        f"  [{'PASS' if passed else 'FAIL'} target >= 2,000]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
