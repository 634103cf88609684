"""Training metrics as torch ops on CPU or GPU tensors (no per-sample Python).

Classification: accuracy, top-k accuracy, confusion matrix (rows = true class, columns =
predicted class), per-class precision / recall / F1 and their macro averages. Regression and
forecasting: MAE, MSE, RMSE, R2. ``MetricAccumulator`` sums batches on the device and
reports a plain, JSON-serialisable dict. A class nobody predicted (or nobody belongs to) gets
precision (or recall) 0, as scikit-learn's ``zero_division=0``.
"""
from __future__ import annotations

import math

import torch


def predicted_classes(output: torch.Tensor) -> torch.Tensor:
    """Class ids from scores (N, K) by argmax, from one logit (N, 1) by sign, or ids (N,) as is."""
    if output.dim() == 2 and output.shape[1] > 1:
        return output.argmax(1)
    if output.is_floating_point():
        return (output.reshape(-1) > 0).long()
    return output.reshape(-1).long()


def accuracy(output: torch.Tensor, target: torch.Tensor) -> float:
    pred = predicted_classes(output)
    return (pred == target).double().mean().item() if len(target) else 0.0


def top_k_accuracy(output: torch.Tensor, target: torch.Tensor, k: int = 5) -> float:
    """Share of samples whose true class is among the ``k`` highest scores."""
    k = min(k, output.shape[1])
    hits = (output.topk(k, dim=1).indices == target[:, None]).any(1)
    return hits.double().mean().item() if len(target) else 0.0


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """int64 (K, K) counts, [true, predicted], with one bincount."""
    index = target.reshape(-1).long() * num_classes + pred.reshape(-1).long()
    return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def precision_recall_f1(cm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-class float64 precision = TP / predicted, recall = TP / true, F1 = 2PR / (P + R)."""
    cm = cm.double()
    tp = cm.diagonal()
    precision = _ratio(tp, cm.sum(0))
    recall = _ratio(tp, cm.sum(1))
    f1 = _ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1


def _ratio(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.where(b > 0, a / b.clamp_min(1e-300), torch.zeros_like(a))


def classification_report(cm: torch.Tensor, classes: list[str] | None = None) -> dict:
    """Accuracy, per-class and macro precision/recall/F1, support and the matrix, as plain values.

    Both flat lists (``precision``, ``recall``, ``f1``, ``support``) for plots and
    ``per_class`` rows / a ``macro`` dict for tables.
    """
    precision, recall, f1 = precision_recall_f1(cm)
    support = cm.sum(1).long().tolist()
    total = int(cm.sum())
    names = list(classes) if classes is not None else [str(i) for i in range(len(support))]
    p, r, f = precision.tolist(), recall.tolist(), f1.tolist()
    macro = {"precision": precision.mean().item(), "recall": recall.mean().item(), "f1": f1.mean().item()}
    return {
        "accuracy": cm.diagonal().sum().item() / total if total else 0.0, "count": total,
        "classes": names, "precision": p, "recall": r, "f1": f, "support": support,
        "macro_precision": macro["precision"], "macro_recall": macro["recall"], "macro_f1": macro["f1"],
        "macro": macro, "confusion_matrix": cm.long().tolist(),
        "per_class": [{"class": c, "precision": p[i], "recall": r[i], "f1": f[i], "support": support[i]}
                      for i, c in enumerate(names)],
    }


def classification_metrics(output: torch.Tensor, target: torch.Tensor, classes: list[str] | None = None,
                           num_classes: int | None = None, top_k=(3, 5)) -> dict:
    """``classification_report`` of a whole split's outputs, plus top-k accuracies."""
    k = num_classes or (len(classes) if classes else int(output.shape[1]))
    report = classification_report(confusion_matrix(predicted_classes(output), target, k).cpu(), classes)
    for kk in _ks(top_k):
        if output.dim() == 2 and output.shape[1] > kk:
            report[f"top{kk}_accuracy"] = top_k_accuracy(output, target, kk)
    return report


def regression_metrics(output: torch.Tensor, target: torch.Tensor) -> dict:
    """MAE, MSE, RMSE and R2 of a whole split as floats."""
    m = mse(output, target)
    return {"mae": mae(output, target), "mse": m, "rmse": math.sqrt(m), "r2": r2(output, target)}


def _ks(top_k) -> tuple[int, ...]:
    if not top_k:
        return ()
    return (int(top_k),) if isinstance(top_k, int) else tuple(int(k) for k in top_k)


def mae(output: torch.Tensor, target: torch.Tensor) -> float:
    return (output.double() - target.double().reshape(output.shape)).abs().mean().item()


def mse(output: torch.Tensor, target: torch.Tensor) -> float:
    return (output.double() - target.double().reshape(output.shape)).pow(2).mean().item()


def r2(output: torch.Tensor, target: torch.Tensor) -> float:
    """1 - SS_res / SS_tot per output column, averaged (scikit-learn's uniform average)."""
    out = output.double().reshape(len(output), -1)
    y = target.double().reshape(out.shape)
    ss_res = (y - out).pow(2).sum(0)
    ss_tot = (y - y.mean(0)).pow(2).sum(0)
    return _r2(ss_res, ss_tot).mean().item()


def _r2(ss_res: torch.Tensor, ss_tot: torch.Tensor) -> torch.Tensor:
    perfect = torch.where(ss_res == 0, torch.ones_like(ss_res), torch.zeros_like(ss_res))
    return torch.where(ss_tot > 0, 1 - ss_res / ss_tot.clamp_min(1e-300), perfect)


class MetricAccumulator:
    """Sums batches on their device; ``compute()`` reads them back once as a plain dict.

    ``targets`` is "classes" (outputs are class scores: accuracy, confusion matrix, per-class
    scores) or "values" (numbers: MAE, MSE, R2). ``update(output, target, loss=None)``: ``output``
    is the model's raw output for the batch, ``loss`` the batch's mean loss (a tensor or float).
    """

    def __init__(self, targets: str, num_classes: int | None = None, classes: list[str] | None = None,
                 top_k=(3, 5)):
        self.targets = targets
        self.classes = list(classes) if classes else None
        self.num_classes = num_classes or (len(classes) if classes else None)
        self.top_k = _ks(top_k)
        self.classify = targets == "classes"
        if self.classify and not self.num_classes:
            raise ValueError("classification metrics need num_classes or classes")
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self._loss = self._cm = None
        self._topk: dict[int, torch.Tensor] = {}
        self._n = self._mean = self._m2 = self._abs = self._sq = None

    def update(self, output: torch.Tensor, target: torch.Tensor, loss=None) -> None:
        n = int(target.shape[0])
        if n == 0:
            return
        output = output.detach()
        target = target.detach()
        if loss is not None:
            batch = (loss.detach() if torch.is_tensor(loss) else torch.tensor(float(loss))).to(
                device=output.device, dtype=_acc_dtype(output.device)) * n
            self._loss = batch if self._loss is None else self._loss + batch
        if self.classify:
            self._update_classes(output, target)
        else:
            self._update_values(output, target)
        self.count += n

    def _update_classes(self, output, target) -> None:
        k = self.num_classes
        cm = confusion_matrix(predicted_classes(output), target, k)
        self._cm = cm if self._cm is None else self._cm + cm
        ks = [kk for kk in self.top_k if output.dim() == 2 and output.shape[1] > kk]
        if ks:
            ranked = output.topk(max(ks), dim=1).indices == target[:, None]  # (N, max k)
            for kk in ks:
                hits = ranked[:, :kk].any(1).sum()
                self._topk[kk] = self._topk[kk] + hits if kk in self._topk else hits

    def _update_values(self, output, target) -> None:
        """Running sums per output column; mean and M2 merged as in Chan et al. for R2."""
        dtype = _acc_dtype(output.device)
        out = output.to(dtype).reshape(len(output), -1)
        y = target.to(dtype).reshape(out.shape)
        err = out - y
        n_b = float(len(y))
        mean_b = y.mean(0)
        m2_b = (y - mean_b).pow(2).sum(0)
        if self._n is None:
            self._n, self._mean, self._m2 = n_b, mean_b, m2_b
            self._abs, self._sq = err.abs().sum(0), err.pow(2).sum(0)
            return
        total = self._n + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * (n_b / total)
        self._m2 = self._m2 + m2_b + delta.pow(2) * (self._n * n_b / total)
        self._n = total
        self._abs = self._abs + err.abs().sum(0)
        self._sq = self._sq + err.pow(2).sum(0)

    def compute(self) -> dict:
        """A dict of floats and lists: loss, then the task's metrics; empty metrics when no data."""
        result: dict = {"count": self.count}
        if self._loss is not None:
            result["loss"] = self._loss.item() / self.count
        if self.classify:
            cm = self._cm if self._cm is not None else torch.zeros(self.num_classes, self.num_classes,
                                                                   dtype=torch.long)
            result.update(classification_report(cm.cpu(), self.classes))
            for kk, hits in self._topk.items():
                result[f"top{kk}_accuracy"] = hits.item() / self.count
        elif self._n is not None:
            n = self._n
            mse_ = (self._sq.sum() / (n * len(self._sq))).item()
            result.update({"mae": (self._abs.sum() / (n * len(self._abs))).item(), "mse": mse_,
                           "rmse": math.sqrt(mse_), "r2": _r2(self._sq, self._m2).mean().item()})
        return result


def _acc_dtype(device: torch.device) -> torch.dtype:
    """float64 for accumulation, except where the device lacks it (Apple MPS)."""
    return torch.float32 if device.type == "mps" else torch.float64


def sign_agreement(output: torch.Tensor, target: torch.Tensor) -> float | None:
    """Share of outputs whose sign is their target's, when every target is -1 or +1 (a perceptron's or
    XOR's targets; sign(0) counts as -1, as the course's sign function); None for other targets."""
    y = target.double().reshape(output.shape)
    if not y.numel() or not bool(((y == 1) | (y == -1)).all()):
        return None
    return ((output.reshape(y.shape) > 0) == (y > 0)).double().mean().item()


def parse_confusion_matrix(text: str) -> tuple[list[str], list[list[int]]]:
    """Class names and counts from a typed or pasted confusion matrix: one line per true class, its
    name then one count per predicted class, separated by tabs, commas, semicolons or spaces. Lines
    without a number (a header) are skipped; a row without a name is called "class N". Raises
    ValueError with one sentence when the counts are not whole numbers or the matrix is not square."""
    import re

    names: list[str] = []
    rows: list[list[int]] = []
    for line in text.splitlines():
        cells = [c.strip() for c in (line.split("\t") if "\t" in line else re.split(r"[,;]" if re.search(r"[,;]", line)
                                                                                       else r"\s+", line))]
        cells = [c for c in cells if c]
        numeric = [_count_or_none(c) is not None for c in cells]
        if not any(numeric):
            continue
        first = numeric.index(True)
        if not all(numeric[first:]):
            bad = cells[first + numeric[first:].index(False)]
            raise ValueError(f"Row {len(rows) + 1} has '{bad}' among its counts: after the class name, give only "
                             "whole numbers.")
        counts = [_count_or_none(c) for c in cells[first:]]
        wrong = next((c for c, v in zip(cells[first:], counts) if v < 0 or v != int(v)), None)
        if wrong is not None:
            raise ValueError(f"Row {len(rows) + 1} has the count '{wrong}': counts are whole numbers of samples, "
                             "0 or more.")
        names.append(" ".join(cells[:first]) or f"class {len(rows) + 1}")
        rows.append([int(v) for v in counts])
    if not rows:
        raise ValueError("Type or paste one row per true class: its name, then how many of its samples were "
                         "predicted as each class.")
    k = len(rows)
    uneven = next((i for i, r in enumerate(rows) if len(r) != len(rows[0])), None)
    if uneven is not None:
        raise ValueError(f"Row {uneven + 1} has {_counted(len(rows[uneven]), 'count')} but row 1 has "
                         f"{len(rows[0])}: every row needs one count per class.")
    if len(rows[0]) != k or k < 2:
        raise ValueError(f"{_counted(k, 'row')} of {_counted(len(rows[0]), 'count')} is not a confusion matrix: it "
                         "needs one row and one column per class (at least two classes), rows the true class and "
                         "columns the predicted one.")
    return names, rows


def _counted(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _count_or_none(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def confusion_report(counts: list[list[int]], classes: list[str] | None = None) -> dict:
    """``classification_report`` of a confusion matrix given as counts (rows: true class, columns:
    predicted): accuracy, per-class and macro precision / recall / F1."""
    return classification_report(torch.tensor(counts, dtype=torch.long), classes)
