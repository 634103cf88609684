"""A trained supervised model in use: the test report (a classifier's loss, accuracy, confusion
matrix, per-class scores and most confidently wrong samples; a regressor's errors) and the
classes of local image files, prepared the way the model's training images were."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from nodes.heads import CLASS_SCORES

from ... import metrics
from ...data import DatasetError, prepare_photo
from ...trained import (EvaluationError, evaluation_data, head_of, input_shape, last_run, load_model, split_of,
                        split_outputs)
from .. import training_of
from ..declaration import TaskDeclaration
from ..usage import TRANSIENT, Use as BaseUse


class Use(BaseUse):
    @classmethod
    def report(cls, project, decl: TaskDeclaration, split="test", data=None, best=False, pictures=False,
               notify=None, wrong_examples: int = 16, test_data: str | None = None) -> dict[str, Any]:
        model = load_model(project, best)
        if not model.input_ids or len(model.output_ids) != 1:
            raise EvaluationError("evaluation needs a model with an input and one head")
        ds = evaluation_data(project, model, data, test_data,
                             node_id=training_of(decl.name).data_input(project.graph, model, decl))
        part = split_of(ds, split)
        out = split_outputs(model, project.graph, part)
        head, params = head_of(project, model)
        report: dict[str, Any] = {"task": decl.name, "split": split, "dataset": ds.name, "samples": len(part)}
        if head.output_kind == CLASS_SCORES:
            report.update(classifier_report(head, params, out, part.y, ds.classes, wrong_examples))
            if pictures:
                report[TRANSIENT] = {"wrong_images": images_of(ds, [w["index"] for w in
                                                                    report["most_confident_wrong"]])}
        else:
            target = part.y.float().reshape(out.shape) if part.y.numel() == out.numel() else part.y.float()
            report.update(loss=float(head.loss(params, [out], target)), mae=metrics.mae(out, target),
                          mse=metrics.mse(out, target), r2=metrics.r2(out, target))
            sign = metrics.sign_agreement(out, target)
            if sign is not None:  # -1/+1 targets (a perceptron's, XOR's): the share with the right sign
                report["sign_accuracy"] = sign
        cls.extend(report, project, model, ds, part, out, pictures, best)
        return report

    @classmethod
    def extend(cls, report: dict, project, model, ds, part, out, pictures: bool, best: bool) -> None:
        """What a task built on this one adds to its report (a forecast's baselines)."""

    @classmethod
    def predict(cls, project, decl, inputs, best=False, polarity: str = "auto", top: int = 3) -> dict[str, Any]:
        if decl.prediction.gives != "classes":
            raise EvaluationError(decl.prediction.note)
        if not inputs:
            raise EvaluationError("no image files were given; name one or more image files after the project to "
                                  "predict their classes")
        results = predict_images(project, inputs, best, top, polarity)
        lines = []
        for r in results:
            ranked = ", ".join(f"{t['class']} {t['probability']:.1%}" for t in r["top3"])
            lines.append(f"{r['file']}: {r['class']} ({r['probability']:.1%})   top-3: {ranked}")
            if r.get("note"):
                lines.append(f"  note: {r['note']}")
        return {"task": decl.name, "results": results, "lines": lines}


def classifier_report(head, params, out: torch.Tensor, y: torch.Tensor, classes, wrong_examples: int) -> dict:
    """Loss, accuracy, top-3, confusion matrix, per-class and macro scores, the surest mistakes."""
    loss = head.loss(params, [out], y)
    acc = metrics.MetricAccumulator("classes", classes=classes or [str(i) for i in range(out.shape[1])], top_k=3)
    acc.update(out, y, loss)
    m = acc.compute()
    return dict(loss=m["loss"], accuracy=m["accuracy"], top3_accuracy=m.get("top3_accuracy", 1.0),
                classes=m["classes"], confusion_matrix=m["confusion_matrix"],
                macro={"precision": m["macro_precision"], "recall": m["macro_recall"], "f1": m["macro_f1"]},
                per_class=[{"precision": p, "recall": r, "f1": f, "support": int(sum(row))}
                           for p, r, f, row in zip(m["precision"], m["recall"], m["f1"], m["confusion_matrix"])],
                most_confident_wrong=confident_mistakes(out, y, m["classes"], wrong_examples))


def confident_mistakes(out: torch.Tensor, y: torch.Tensor, classes: list[str], n: int) -> list[dict]:
    """The ``n`` wrong predictions the model was surest of: index, true and predicted class, probability."""
    prob = out.softmax(-1)
    conf, pred = prob.max(-1)
    wrong = (pred != y).nonzero().flatten()
    order = wrong[conf[wrong].argsort(descending=True)][:n]
    return [{"index": int(i), "true": classes[int(y[i])], "predicted": classes[int(pred[i])],
             "probability": float(conf[i])} for i in order]


def images_of(ds, indices: list[int]) -> list:
    """Test images ``indices`` of an image dataset in [0, 1] (normalization undone), for display."""
    if not ds.is_image or not indices:
        return []
    x = ds.test.x[indices].reshape(len(indices), *ds.extras["image_shape"]).float()
    if ds.normalization:
        mean = torch.tensor(ds.normalization["mean"]).view(1, -1, 1, 1)
        std = torch.tensor(ds.normalization["std"]).view(1, -1, 1, 1)
        x = x * std + mean
    return list(x.clamp(0, 1).numpy())


def predict_images(project, paths, best: bool = False, top: int = 3, polarity: str = "auto") -> list[dict[str, Any]]:
    """Class, probability and top-k for each image file, prepared as the model's input expects and,
    for light-on-dark grayscale training images, inverted (``polarity``: auto, invert, keep) and
    centred like them; with what was done (polarity, centred, a note when it looks unlike them) and,
    for display, the image as the model sees it (``seen``, not JSON)."""
    model = load_model(project, best)
    head, params = head_of(project, model)
    if head.output_kind != CLASS_SCORES or len(model.input_ids) != 1:
        raise EvaluationError("prediction of image classes needs a classifier with one image input")
    shape = input_shape(project, model)
    run = last_run(project)
    classes = run.get("classes")
    results = []
    for path in paths:
        try:
            photo = prepare_photo(path, shape, run, polarity)
        except DatasetError as e:
            raise EvaluationError(str(e)) from None
        with torch.no_grad():
            prob = head.predict(params, model.module(photo.x))[0]
        names = classes or [str(i) for i in range(len(prob))]
        p, idx = prob.topk(min(top, len(prob)))
        results.append({"file": str(Path(path)), "class": names[int(idx[0])], "probability": float(p[0]),
                        "top3": [{"class": names[int(i)], "probability": float(v)} for v, i in zip(p, idx)],
                        "probabilities": {names[i]: float(v) for i, v in enumerate(prob)},
                        "polarity": photo.polarity, "centred": photo.centred, "note": photo.note,
                        TRANSIENT: {"seen": photo.image.clamp(0, 1).numpy()}})
    return results
