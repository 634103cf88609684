"""The sections of a supervised model's evaluation report (no torch): the figures, the per-class
table, the confusion matrix and the most confidently wrong images of a classifier; the errors
of a regressor."""
from __future__ import annotations

from ... import reports as R


def where(r: dict) -> str:
    return f"{r['split']} set: {r['samples']:,} samples of '{r['dataset']}'"


def describe(r: dict) -> list[dict]:
    """Sections of a classifier's or a regressor's report."""
    if "confusion_matrix" in r:
        return classifier_sections(r)
    return regressor_sections(r)


def classifier_sections(r: dict) -> list[dict]:
    m = r["macro"]
    classes = r["classes"]
    rows = [[c, f"{p['precision']:.3f}", f"{p['recall']:.3f}", f"{p['f1']:.3f}", f"{p['support']:,}"]
            for c, p in zip(classes, r["per_class"])]
    rows.append(["macro avg", f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"{r['samples']:,}"])
    wrong = r.get("most_confident_wrong") or []
    return [
        R.summary(f"{where(r)}: accuracy {r['accuracy']:.2%}, loss {r['loss']:.4f}, macro F1 {m['f1']:.3f}"),
        R.figures(("loss", f"{r['loss']:.4f}"), ("accuracy", f"{r['accuracy']:.2%}"),
                  ("top-3", f"{r.get('top3_accuracy', 1.0):.2%}")),
        R.table("Per class", ["class", "precision", "recall", "f1", "support"], rows),
        R.matrix("Confusion matrix", classes, r["confusion_matrix"],
                 "confusion matrix (rows: true class, columns: predicted)"),
        R.pictures("Most confidently wrong test images", "wrong_images",
                   [f"true: {w['true']}\npredicted: {w['predicted']}\n{w['probability']:.0%} sure" for w in wrong]),
    ]


def regressor_sections(r: dict) -> list[dict]:
    sign = r.get("sign_accuracy")
    head = f"{where(r)}: " + (f"sign accuracy {sign:.2%} (outputs with their -1/+1 target's sign), "
                              if sign is not None else "")
    items = [("loss", f"{r['loss']:.4f}")] + [(k.upper() if k != "r2" else "R²", f"{r[k]:.4f}")
                                               for k in ("mae", "mse", "r2") if k in r]
    if sign is not None:
        items.append(("sign accuracy", f"{sign:.2%}"))
    return [R.summary(head + f"loss {r['loss']:.4f}, MAE {r['mae']:.4f}, R² {r['r2']:.3f}"), R.figures(*items)]
