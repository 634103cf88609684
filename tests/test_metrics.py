"""Metrics against the course's exercise (Practical Exercises 01, Exercise 02) and hand values."""
import json
import math

import pytest
import torch

from runtime import metrics

COURSE_CM = [[50, 5, 3], [10, 60, 5], [2, 4, 40]]  # rows: real cat, dog, rabbit
CLASSES = ["cat", "dog", "rabbit"]


def course_vectors(seed=0):
    """Label and prediction vectors whose confusion matrix is the course's, in random order."""
    true, pred = [], []
    for i, row in enumerate(COURSE_CM):
        for j, count in enumerate(row):
            true += [i] * count
            pred += [j] * count
    order = torch.randperm(len(true), generator=torch.Generator().manual_seed(seed))
    return torch.tensor(true)[order], torch.tensor(pred)[order]


def hand_values():
    """The exercise solved by hand: column sums are predictions, row sums are true counts."""
    tp = [50, 60, 40]
    predicted = [50 + 10 + 2, 5 + 60 + 4, 3 + 5 + 40]  # 62, 69, 48
    actual = [50 + 5 + 3, 10 + 60 + 5, 2 + 4 + 40]  # 58, 75, 46
    precision = [t / p for t, p in zip(tp, predicted)]
    recall = [t / a for t, a in zip(tp, actual)]
    f1 = [2 * p * r / (p + r) for p, r in zip(precision, recall)]
    return 150 / 179, precision, recall, f1


def test_course_confusion_matrix_and_scores_exact():
    y, p = course_vectors()
    cm = metrics.confusion_matrix(p, y, 3)
    assert cm.tolist() == COURSE_CM
    acc, precision, recall, f1 = hand_values()
    report = metrics.classification_report(cm, CLASSES)
    assert report["accuracy"] == acc
    assert report["precision"] == precision
    assert report["recall"] == recall
    assert report["f1"] == f1
    assert report["support"] == [58, 75, 46]
    assert report["macro_precision"] == pytest.approx(sum(precision) / 3, rel=1e-15)
    assert report["macro_f1"] == pytest.approx(sum(f1) / 3, rel=1e-15)
    assert report["per_class"][1] == {"class": "dog", "precision": 60 / 69, "recall": 60 / 75,
                                      "f1": f1[1], "support": 75}
    assert metrics.accuracy(p, y) == acc


def test_accumulator_in_batches_matches_whole_split():
    y, p = course_vectors(seed=3)
    logits = torch.nn.functional.one_hot(p, 3).float() * 4 + torch.randn(len(p), 3) * 0.01
    acc = metrics.MetricAccumulator("classes", classes=CLASSES, top_k=2)
    for i in range(0, len(y), 7):
        acc.update(logits[i:i + 7], y[i:i + 7], loss=torch.tensor(0.5))
    result = acc.compute()
    json.dumps(result)  # plain floats, ints, lists
    assert result["confusion_matrix"] == COURSE_CM
    assert result["accuracy"] == hand_values()[0]
    assert result["loss"] == pytest.approx(0.5)
    assert result["count"] == 179
    assert result["top2_accuracy"] == pytest.approx(metrics.top_k_accuracy(logits, y, 2))
    acc.reset()
    assert acc.compute()["count"] == 0


def test_top_k_and_zero_division():
    logits = torch.tensor([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1], [0.2, 0.3, 0.5]])
    y = torch.tensor([2, 1, 0])
    assert metrics.top_k_accuracy(logits, y, 1) == 0.0
    assert metrics.top_k_accuracy(logits, y, 2) == pytest.approx(2 / 3)
    cm = metrics.confusion_matrix(torch.tensor([0, 0]), torch.tensor([0, 1]), 3)
    precision, recall, f1 = metrics.precision_recall_f1(cm)
    assert precision.tolist() == [0.5, 0.0, 0.0] and recall.tolist() == [1.0, 0.0, 0.0]
    assert not torch.isnan(f1).any()


def test_binary_single_logit_predictions():
    out = torch.tensor([[-2.0], [0.5], [3.0]])
    assert metrics.predicted_classes(out).tolist() == [0, 1, 1]
    assert metrics.accuracy(out, torch.tensor([0, 0, 1])) == pytest.approx(2 / 3)


def test_regression_metrics_by_hand():
    y = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    out = torch.tensor([[1.5], [2.0], [2.0], [4.0]])
    assert metrics.mae(out, y) == pytest.approx((0.5 + 0 + 1 + 0) / 4)
    assert metrics.mse(out, y) == pytest.approx((0.25 + 0 + 1 + 0) / 4)
    ss_tot = sum((v - 2.5) ** 2 for v in (1, 2, 3, 4))
    assert metrics.r2(out, y) == pytest.approx(1 - 1.25 / ss_tot)
    assert metrics.r2(y, y) == 1.0
    report = metrics.regression_metrics(out, y)
    assert report["rmse"] == pytest.approx(math.sqrt(1.25 / 4))


def test_regression_accumulator_matches_whole():
    g = torch.Generator().manual_seed(0)
    y = torch.randn(103, 2, generator=g) * 3 + 10
    out = y + torch.randn(103, 2, generator=g)
    acc = metrics.MetricAccumulator("values")
    for i in range(0, 103, 10):
        acc.update(out[i:i + 10], y[i:i + 10])
    result = acc.compute()
    json.dumps(result)
    assert result["mae"] == pytest.approx(metrics.mae(out, y), rel=1e-9)
    assert result["mse"] == pytest.approx(metrics.mse(out, y), rel=1e-9)
    assert result["r2"] == pytest.approx(metrics.r2(out, y), rel=1e-9)
    assert result["count"] == 103
