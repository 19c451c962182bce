"""``sigap triage eval DATASET.tsv [--task T]`` · ``sigap triage predict`` (lines on stdin,
JSON lines out) · ``sigap triage train`` (cold start) · ``sigap triage retrain [--force]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.triage import classify, service


class Command(BaseCommand):
    help = "Evaluate, use and train Sigap's triage models."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("eval", help="accuracy, macro-F1, per-class precision/recall")
        ev.add_argument("dataset", help="TSV with columns text, label")
        ev.add_argument("--task", choices=classify.TASKS, default=None)
        sub.add_parser("predict", help="JSON predictions for each line of stdin")
        sub.add_parser("train", help="train the tasks that have no model yet")
        re = sub.add_parser("retrain", help="retrain with the agents' examples (gated)")
        re.add_argument("--force", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "eval":
            self._eval(Path(opts["dataset"]), opts["task"])
        elif action == "predict":
            for line in sys.stdin:
                text = line.strip()
                if not text:
                    continue
                result = service.predict(text)
                safety = service.detect(text)
                out = {
                    "text": text,
                    **{
                        task: {"label": p.label, "confidence": p.confidence, "words": list(p.words)}
                        for task, p in result.predictions.items()
                    },
                    "safety": {"is_safety": safety.is_safety, "signals": list(safety.signals)},
                }
                self.stdout.write(json.dumps(out, ensure_ascii=False))
        elif action == "train":
            done = service.ensure_models()
            self.stdout.write("Dilatih: " + (", ".join(done) if done else "tidak ada (sudah ada)"))
        else:
            for task in classify.TASKS:
                r = service.retrain(task, force=opts["force"])
                if r is None:
                    self.stdout.write(f"{task}: tidak ada contoh baru")
                else:
                    verdict = "dipakai" if r.replaced else "ditolak (lebih buruk)"
                    self.stdout.write(
                        f"{task}: kandidat macro-F1 {r.candidate:.4f}, aktif {r.current}, "
                        f"{r.examples} contoh agen -> {verdict}"
                    )

    def _eval(self, path: Path, task: str | None) -> None:
        try:
            texts, labels = classify.read_tsv(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if not texts:
            raise CommandError(f"{path}: no labelled rows")
        task = task or _guess(set(labels))
        models = service.active()
        if task == "safety":
            predicted = ["safety" if service.detect(t).is_safety else "ordinary" for t in texts]
        else:
            if task == "sentiment":
                labels = [classify.SENTIMENT_LABELS.get(label, label) for label in labels]
            _, model = models[task]
            predicted = [p.label for p in model.predict(texts, explain=0)]
        s = classify.scores(labels, predicted)
        self.stdout.write(f"task {task}: {s.n} rows")
        self.stdout.write(f"accuracy  {s.accuracy:.4f}")
        self.stdout.write(f"macro-F1  {s.macro_f1:.4f}")
        self.stdout.write(f"{'class':<20} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}")
        for label, row in s.per_class.items():
            self.stdout.write(
                f"{label:<20} {row['precision']:>9.4f} {row['recall']:>7.4f} "
                f"{row['f1']:>7.4f} {row['support']:>8}"
            )


def _guess(labels: set[str]) -> str:
    known = {
        "sentiment": {"positif", "netral", "negatif", "positive", "neutral", "negative"},
        "category": {"mechanical", "attitudinal", "service", "unusual"},
        "severity": {"penting", "sederhana", "kompleks"},
        "root_cause": {
            "not_as_expected",
            "ignored",
            "not_listened",
            "rude",
            "no_responsibility",
            "communication",
        },
        "safety": {"safety", "ordinary"},
    }
    for task, names in known.items():
        if labels <= names:
            return task
    raise CommandError(f"cannot tell the task from the labels {sorted(labels)}; use --task")
