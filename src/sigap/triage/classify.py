"""Text classifiers for triage (scikit-learn, CPU): TF-IDF over stemmed words and word
pairs, logistic regression. Each prediction has a confidence and the words that weighed
most for it.

The features of a message are computed once (``features``) and shared by every task's
model, so classifying a message for sentiment, category, severity and root cause costs
one pass of the text pipeline.
"""

from __future__ import annotations

import gzip
import io
import itertools
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sigap.text.indonesian import tokens

# numpy and scikit-learn are imported where they are used: importing them takes over a
# second, and every Sigap process (server, worker, command line) loads this module at
# start-up through the triage subscribers, most of them without ever classifying.

TASKS = ("sentiment", "category", "severity", "root_cause")
# Sigap's labels for SmSA's
SENTIMENT_LABELS = {"positive": "positif", "neutral": "netral", "negative": "negatif"}


def features(text: str) -> list[str]:
    """Stemmed words and adjacent word pairs."""
    words = tokens(text)
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


def _given(doc: list[str]) -> list[str]:
    return doc  # documents arrive as feature lists already


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    n: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": self.per_class,
            "n": self.n,
        }


class TextModel:
    def __init__(self, *, c: float = 10.0, min_df: int = 1) -> None:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(
            analyzer=_given, sublinear_tf=True, min_df=min_df, dtype=np.float32
        )
        self.classifier = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        self.vocabulary: list[str] = []

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.classifier.classes_]

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextModel:
        x = self.vectorizer.fit_transform([features(t) for t in texts])
        self.classifier.fit(x, list(labels))
        self.vocabulary = [str(w) for w in self.vectorizer.get_feature_names_out()]
        return self

    def predict_features(self, docs: Sequence[list[str]], *, explain: int = 5) -> list[Prediction]:
        from sklearn import config_context

        # The features are TF-IDF weights the vectorizer just made (always finite), and the
        # models are Sigap's own, fitted with valid parameters: scikit-learn's checks of
        # both would only cost time on every prediction (a fifth of it for one message).
        with config_context(assume_finite=True, skip_parameter_validation=True):
            x = self.vectorizer.transform(docs)
            probabilities = self.classifier.predict_proba(x)
        labels = self.labels
        out = []
        for row, p in enumerate(probabilities):
            best = int(p.argmax())
            words: tuple[str, ...] = ()
            if explain:
                words = self._weighed(x[row], best, explain)
            out.append(Prediction(labels[best], round(float(p[best]), 3), words))
        return out

    def _weighed(self, row: Any, label_index: int, n: int) -> tuple[str, ...]:
        coef = self.classifier.coef_
        weights = coef[label_index] if coef.shape[0] > 1 else coef[0] * (1 if label_index else -1)
        contributions = [
            (float(value * weights[col]), self.vocabulary[col])
            for col, value in zip(row.indices, row.data, strict=True)
        ]
        contributions.sort(reverse=True)
        return tuple(w.replace("_", " ") for c, w in contributions[:n] if c > 0)

    def predict(self, texts: Sequence[str], *, explain: int = 5) -> list[Prediction]:
        return self.predict_features([features(t) for t in texts], explain=explain)

    def score(self, texts: Sequence[str], labels: Sequence[str]) -> Scores:
        predicted = [p.label for p in self.predict(texts, explain=0)]
        return scores(list(labels), predicted)

    def dumps(self) -> bytes:
        # Level 6, not gzip's default 9: the same size within 0.2 % for a fifth of the CPU
        # (the sentiment model: 0.42 s -> 0.09 s), paid on every (re)training.
        blob = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        return gzip.compress(blob, compresslevel=6)

    @staticmethod
    def loads(blob: bytes) -> TextModel:
        """Only for blobs Sigap wrote itself (its own database)."""
        model = pickle.loads(gzip.decompress(blob))
        assert isinstance(model, TextModel)
        return model


def scores(truth: list[str], predicted: list[str]) -> Scores:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    return Scores(
        accuracy=round(float(accuracy_score(truth, predicted)), 4),
        macro_f1=round(
            float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4
        ),
        per_class=per_class,
        n=len(truth),
    )


def read_tsv(raw: str, *, header: bool | None = None) -> tuple[list[str], list[str]]:
    """``text<TAB>label`` lines; a first line ``text<TAB>label`` is a header."""
    texts, labels = [], []
    for number, line in enumerate(io.StringIO(raw), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if number == 1 and (header or line.lower().startswith("text\tlabel")):
            continue
        text, sep, label = line.rpartition("\t")
        if not sep or not text.strip() or not label.strip():
            raise ValueError(f"line {number}: expected 'text<TAB>label'")
        texts.append(text)
        labels.append(label.strip())
    return texts, labels


def shipped(task: str, split: str) -> tuple[list[str], list[str]]:
    """The labelled data Sigap ships: SmSA for sentiment (labels mapped to Indonesian),
    Sigap's own examples for the others. ``split``: ``train`` or ``eval``."""
    data = resources.files("sigap.triage") / "data"
    if task == "sentiment":
        name = "smsa_train.tsv.gz" if split == "train" else "smsa_valid.tsv.gz"
        raw = gzip.decompress(data.joinpath(name).read_bytes()).decode("utf-8")
        texts, labels = read_tsv(raw, header=False)
        return texts, [SENTIMENT_LABELS[label] for label in labels]
    return read_tsv(data.joinpath(f"{task}_{split}.tsv").read_text(encoding="utf-8"))


def train_shipped(task: str) -> tuple[TextModel, Scores]:
    texts, labels = shipped(task, "train")
    model = TextModel(min_df=2 if task == "sentiment" else 1).fit(texts, labels)
    held_texts, held_labels = shipped(task, "eval")
    return model, model.score(held_texts, held_labels)
