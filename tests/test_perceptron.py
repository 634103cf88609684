"""The perceptron rule (task "perceptron", Practical Exercises 01, Exercise 01): the course's AND
trace number by number, XOR never converging and saying why, the trainer and `netcanvas train`
running it, and the sign accuracy `evaluate` reports for -1/+1 targets."""
from __future__ import annotations

import pytest
import torch

from projects.dlproj import write_project
from projects.examples.build import perceptron, perceptron_xor, xor_perceptron
from runtime.data.synthetic import truth_table
from runtime.tasks.perceptron.rule import PerceptronRule, line_text, linearly_separable
from runtime.trainer import Trainer, record_run

# the handbook's start and the course's AND table, presented in the table's order:
# (epoch, sample, e1, e2, d, s, y, d - y, new w1, new w2, new b)
COURSE_AND_TRACE = [
    (1, 1, 1, 1, 1, -0.3, -1, 2, 0.0, 0.3, 0.0),
    (1, 2, -1, 1, -1, 0.3, 1, -2, 0.2, 0.1, -0.2),
    (1, 3, -1, -1, -1, -0.5, -1, 0, 0.2, 0.1, -0.2),
    (1, 4, 1, -1, -1, -0.1, -1, 0, 0.2, 0.1, -0.2),
    (2, 1, 1, 1, 1, 0.1, 1, 0, 0.2, 0.1, -0.2),
    (2, 2, -1, 1, -1, -0.3, -1, 0, 0.2, 0.1, -0.2),
    (2, 3, -1, -1, -1, -0.5, -1, 0, 0.2, 0.1, -0.2),
    (2, 4, 1, -1, -1, -0.1, -1, 0, 0.2, 0.1, -0.2),
]


def rows(trace):
    return [(t["epoch"], t["sample"], *t["e"], t["d"], t["s"], t["y"], t["error"], *t["w"], t["b"]) for t in trace]


def course_rule(name="and", **kw):
    x, d = truth_table(name)
    return PerceptronRule(x.tolist(), d.tolist(), [-0.2, 0.1], -0.2, 0.1, **kw)


def test_course_and_trace_number_by_number():
    rule = course_rule()
    assert rule.run(100)
    assert rows(rule.trace) == [pytest.approx(r, abs=1e-12) for r in COURSE_AND_TRACE]
    assert rule.updates == 2 and rule.epoch == 2 and rule.mistakes() == 0
    w, b = rule.weights
    assert w == [0.2, 0.1] and b == -0.2  # exact: the rule computes in fractions, as on paper
    assert line_text(*w, b) == "0.2 e1 + 0.1 e2 - 0.2 = 0"
    assert rule.step() is None  # converged: nothing more to present


def test_stepping_one_sample_and_one_epoch():
    rule = course_rule()
    first = rule.step()
    assert (first["s"], first["y"], first["error"], first["w"], first["b"]) == (pytest.approx(-0.3), -1, 2,
                                                                                [0.0, pytest.approx(0.3)], 0.0)
    assert len(rule.run_epoch()) == 3 and rule.epoch_done and not rule.converged  # the rest of epoch 1
    assert len(rule.run_epoch()) == 4 and rule.converged


def test_xor_never_converges_and_the_verdict_says_no_line_exists():
    rule = course_rule("xor")
    assert not rule.run(50)
    assert rule.epoch == 50 and rule.epoch_changes > 0
    text = rule.verdict("'xor'")
    assert text.startswith("did not converge in 50 epochs") and "no straight line separates" in text


def test_shuffled_order_is_seeded_and_still_converges_on_and():
    a, b, c = (course_rule(order="shuffled", seed=s) for s in (3, 3, 4))
    for rule in (a, b, c):
        assert rule.run(100)
    assert rows(a.trace) == rows(b.trace)
    orders = [[t["sample"] for t in r.trace[:4]] for r in (a, b, c)]
    assert all(sorted(o) == [1, 2, 3, 4] for o in orders)
    assert any(o != [1, 2, 3, 4] for o in orders)


def test_line_separability_is_exact():
    x_and, d_and = truth_table("and")
    x_xor, d_xor = truth_table("xor")
    assert linearly_separable(x_and.tolist(), d_and.tolist()) is True
    assert linearly_separable(x_xor.tolist(), d_xor.tolist()) is False
    assert linearly_separable([(0, 0), (2, 0), (1, 0)], [1, 1, -1]) is False  # collinear, the other class between
    assert linearly_separable([(0, 0), (1, 0), (2, 0)], [1, 1, -1]) is True
    assert linearly_separable([(0, 0), (0, 0)], [1, -1]) is False
    assert linearly_separable([(0, 0), (1, 1)], [1, -1]) is True


def test_the_settings_carry_the_course_start():
    from runtime.plan import check_run, plan_run

    s = plan_run(perceptron()).section("perceptron")
    assert (s["eta"], s["w1"], s["w2"], s["b"], s["order"]) == (0.1, -0.2, 0.1, -0.2, "fixed")
    odd = perceptron()
    odd.training["perceptron"] = {"order": "random"}
    plan, problems = check_run(odd)
    assert plan is None and "'sample order' must be one of fixed, shuffled" in problems[0].message


def test_trainer_stops_when_an_epoch_changes_nothing():
    events = []
    project = perceptron()
    trainer = Trainer(project, sinks=[events.append])
    trainer.control.watch_samples(True, 1000.0)
    result = trainer.run()
    assert result.status == "finished"
    assert result.reason.startswith("converged after 2 weight updates in 2 epochs")
    assert "0.2 e1 + 0.1 e2 - 0.2 = 0" in result.reason
    assert len(result.run["epochs"]) == 2
    record = result.run["perceptron"]
    assert rows(record["trace"]) == [pytest.approx(r, abs=1e-12) for r in COURSE_AND_TRACE]
    assert record["converged"] and record["updates"] == 2 and record["verdict"] == result.reason
    frames = [e for e in events if e["event"] == "samples"]
    assert frames and frames[-1]["view"] == "rule" and len(frames[-1]["trace"]) == 8
    assert frames[-1]["verdict"] == result.reason
    unit = trainer.compiled.submodule(next(n.id for n in project.graph.nodes.values() if n.type_id == "core.dense"))
    assert unit.weight.tolist() == [pytest.approx([0.2, 0.1])] and unit.bias.item() == pytest.approx(-0.2)
    assert events[-1]["event"] == "finished"


def test_trainer_on_xor_runs_to_the_limit_and_says_why():
    result = Trainer(perceptron_xor()).run()
    assert result.status == "finished"
    assert result.reason.startswith("did not converge in 20 epochs") and "no straight line separates" in result.reason
    assert len(result.run["epochs"]) == 20 and not result.run["perceptron"]["converged"]


def test_the_task_refuses_a_graph_that_is_not_one_sign_unit():
    project = xor_perceptron()
    project.training["task"] = "perceptron"
    result = Trainer(project).run()
    assert result.status == "failed" and "exactly one Dense block with 1 unit" in result.reason
    odd = perceptron()
    odd.training["batch_size"] = 3
    result = Trainer(odd).run()
    assert result.status == "failed" and "batch size that divides 4" in result.reason


def test_evaluate_reports_the_sign_accuracy_of_pm1_targets():
    from runtime.metrics import sign_agreement
    from runtime.use import evaluate_project

    project = perceptron()
    record_run(project, Trainer(project).run())
    report = evaluate_project(project)
    assert report["sign_accuracy"] == 1.0 and {"mae", "mse", "r2"} <= set(report)
    xor = perceptron_xor()
    record_run(xor, Trainer(xor).run())
    assert evaluate_project(xor)["sign_accuracy"] < 1.0  # a line gets at most 3 of XOR's 4 right
    out, target = torch.tensor([[0.3], [-0.2], [0.0], [0.9]]), torch.tensor([[1.0], [-1.0], [1.0], [-1.0]])
    assert sign_agreement(out, target) == 0.5  # sign(0) = -1, as the course's sign function
    assert sign_agreement(out, target * 0.5) is None  # not -1/+1 targets: no sign accuracy


def test_netcanvas_train_and_evaluate_the_perceptron(tmp_path, capsys):
    from runtime.cli import main as cli

    path = tmp_path / "perceptron-and.dlproj"
    write_project(perceptron(), path)
    assert cli(["train", str(path)]) == 0
    err = capsys.readouterr().err
    assert "finished: converged after 2 weight updates" in err and "0.2 e1 + 0.1 e2 - 0.2 = 0" in err
    assert "epoch 1 sample 2: e = (-1, 1) d = -1  s = 0.3  y = 1  d - y = -2 -> w1 0.2, w2 0.1, b -0.2" in err
    assert err.count(" sample ") == 8  # every presentation, once
    assert cli(["evaluate", str(path)]) == 0
    assert "sign accuracy 100.00%" in capsys.readouterr().out
