"""Using a trained project: test-set evaluation (metrics, confusion matrix, the most confidently
wrong samples) and prediction for local image files."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from projects.project import Project
from projects.training import complete_training

from .compiler import CompileError
from .weights import WeightsError, trained_model


class EvaluationError(Exception):
    """Evaluation or prediction cannot run; one sentence with the fix."""


def _model(project: Project, best: bool):
    try:
        return trained_model(project, best)
    except (WeightsError, CompileError) as e:
        raise EvaluationError(str(e)) from None


def last_run(project: Project) -> dict:
    """The newest run that produced weights (its classes and normalization describe them)."""
    runs = [r for r in project.history.get("runs", []) if r.get("status") in ("finished", "stopped")]
    return runs[-1] if runs else {}


def _input_shape(project: Project, model) -> tuple[int, ...]:
    return tuple(project.graph.states[model.input_ids[0]].outputs[0])


def _head(project: Project, model):
    node = project.graph.nodes[model.output_ids[0]]
    return node.block, node.params


@torch.no_grad()
def model_outputs(module, x: torch.Tensor, batch: int = 1024) -> torch.Tensor:
    return torch.cat([module(x[i:i + batch]).float() for i in range(0, len(x), batch)])


def project_task(project: Project, compiled=None) -> str:
    """The task a project trains with (its setting, or the one its head names)."""
    from .compiler import compile_graph
    from .tasks import TaskError, resolve_task

    try:
        compiled = compiled or compile_graph(project.graph)
        return resolve_task(complete_training(project.training), compiled, project.graph)
    except (CompileError, TaskError) as e:
        raise EvaluationError(str(e)) from None


def evaluate_project(project: Project, split: str = "test", data: str | None = None, best: bool = False,
                     **options) -> dict[str, Any]:
    """Metrics of the trained model on a dataset split, as a JSON-ready dict: what the project's task
    reports (``options`` go to it: ``wrong_examples`` for classifiers, ``scores`` for VAEs...)."""
    from .tasks import task_class

    if not project.weights and not (best and project.checkpoint):
        raise EvaluationError("this project has no trained weights yet: run `netcanvas train` on it first")
    return task_class(project_task(project)).report(project, split, data, best, **options)


def supervised_report(project: Project, split: str = "test", data: str | None = None, best: bool = False,
                      wrong_examples: int = 16, test_data: str | None = None) -> dict[str, Any]:
    """Test metrics of a classifier or regressor: loss, accuracy, confusion matrix, per-class scores
    and the most confidently wrong samples; or MAE, MSE and R2 (and, for -1/+1 targets, the sign
    accuracy: the share of outputs with their target's sign)."""
    from . import metrics
    from .data import DatasetError, load_dataset
    from .datasel import dataset_from_argument, with_test_file

    model = _model(project, best)
    if len(model.input_ids) != 1 or len(model.output_ids) != 1:
        raise EvaluationError("evaluation needs a model with one input and one head")
    settings = complete_training(project.training)["dataset"]
    try:
        if data:
            settings = dataset_from_argument(data, settings)
        if test_data:
            settings = with_test_file(settings, test_data)
        ds = load_dataset(settings, _input_shape(project, model))
    except DatasetError as e:
        raise EvaluationError(str(e)) from None
    part = ds.test if split == "test" else ds.val
    if len(part) == 0:
        raise EvaluationError(f"the dataset '{ds.name}' has no {split} samples to evaluate on")
    out = model_outputs(model.module, part.x)
    head, params = _head(project, model)
    report: dict[str, Any] = {"task": project_task(project, model), "split": split, "dataset": ds.name,
                              "samples": len(part)}
    if head.task == "classification":
        loss = head.loss(params, [out], part.y)
        acc = metrics.MetricAccumulator("classification", classes=ds.classes or
                                        [str(i) for i in range(out.shape[1])], top_k=3)
        acc.update(out, part.y, loss)
        m = acc.compute()
        report.update(loss=m["loss"], accuracy=m["accuracy"], top3_accuracy=m.get("top3_accuracy", 1.0),
                      classes=m["classes"], confusion_matrix=m["confusion_matrix"],
                      macro={"precision": m["macro_precision"], "recall": m["macro_recall"], "f1": m["macro_f1"]},
                      per_class=[{"precision": p, "recall": r, "f1": f, "support": int(sum(row))}
                                 for p, r, f, row in zip(m["precision"], m["recall"], m["f1"],
                                                         m["confusion_matrix"])],
                      most_confident_wrong=confident_mistakes(out, part.y, m["classes"], wrong_examples))
    else:
        target = part.y.float().reshape(out.shape) if part.y.numel() == out.numel() else part.y.float()
        report.update(loss=float(head.loss(params, [out], target)), mae=metrics.mae(out, target),
                      mse=metrics.mse(out, target), r2=metrics.r2(out, target))
        sign = metrics.sign_agreement(out, target)
        if sign is not None:  # -1/+1 targets (a perceptron's, XOR's): the share with the right sign
            report["sign_accuracy"] = sign
        if ds.task == "forecasting":  # the forecasts that need no learning, on the same windows
            from .forecast import forecast_baselines, season_of

            report.update(horizon=ds.extras.get("horizon"), baselines=forecast_baselines(
                part.x, target, ds.extras.get("target_feature", 0), *season_of(settings)))
    return report


def confident_mistakes(out: torch.Tensor, y: torch.Tensor, classes: list[str], n: int) -> list[dict]:
    """The ``n`` wrong predictions the model was surest of: index, true and predicted class, probability."""
    prob = out.softmax(-1)
    conf, pred = prob.max(-1)
    wrong = (pred != y).nonzero().flatten()
    order = wrong[conf[wrong].argsort(descending=True)][:n]
    return [{"index": int(i), "true": classes[int(y[i])], "predicted": classes[int(pred[i])],
             "probability": float(conf[i])} for i in order]


def predict_images(project: Project, paths, best: bool = False, top: int = 3,
                   polarity: str = "auto") -> list[dict[str, Any]]:
    """Class, probability and top-k for each image file, prepared as the model's input expects and,
    for light-on-dark grayscale training images, inverted (``polarity``: auto, invert, keep) and
    centred like them; with what was done: polarity, centred and a note when it looks unlike them."""
    from .data import DatasetError, prepare_photo

    model = _model(project, best)
    head, params = _head(project, model)
    if head.task != "classification" or len(model.input_ids) != 1:
        raise EvaluationError("prediction of image classes needs a classifier with one image input")
    shape = _input_shape(project, model)
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
                        "polarity": photo.polarity, "centred": photo.centred, "note": photo.note})
    return results
