"""The Perceptron tab: its step buttons on the course's AND table (table rows and the separating
line), XOR's verdict, and a Train run's trace arriving in it."""
from __future__ import annotations

import math

import pytest

from projects.examples.build import perceptron, perceptron_xor


def cells(view, row):
    return [view.table.item(row, c).text() for c in range(view.table.columnCount())]


def drawn_line(view):
    """Two points of the drawn line, from the item's position and angle."""
    p, a = view.line.pos(), math.radians(view.line.angle)
    return [(p.x() + t * math.cos(a), p.y() + t * math.sin(a)) for t in (-3.0, 5.0)]


def assert_line(view, w1, w2, b):
    assert view.line.isVisible()
    for e1, e2 in drawn_line(view):
        assert w1 * e1 + w2 * e2 + b == pytest.approx(0.0, abs=1e-9)


@pytest.fixture()
def view(qtbot):
    from app.training.perceptron_view import PerceptronView

    v = PerceptronView()
    qtbot.addWidget(v)
    v.show()
    return v


def test_step_buttons_follow_the_course_trace(view):
    view.set_project(perceptron())
    assert view.table.rowCount() == 0
    assert_line(view, -0.2, 0.1, -0.2)  # the starting weights
    assert "Start: w1 = -0.2, w2 = 0.1, b = -0.2, eta = 0.1" in view.caption.text()
    view.buttons["sample"].click()
    assert cells(view, 0) == ["1", "1", "1", "1", "1", "-0.3", "-1", "2", "0", "0.3", "0"]
    assert_line(view, 0.0, 0.3, 0.0)
    view.buttons["sample"].click()
    assert cells(view, 1) == ["1", "2", "-1", "1", "-1", "0.3", "1", "-2", "0.2", "0.1", "-0.2"]
    assert_line(view, 0.2, 0.1, -0.2)
    assert "2 updates so far" in view.caption.text()
    view.buttons["epoch"].click()  # the rest of epoch 1: samples 3 and 4 change nothing
    assert view.table.rowCount() == 4 and cells(view, 3)[7] == "0"
    view.buttons["converge"].click()
    assert view.table.rowCount() == 8
    assert [cells(view, r)[:2] for r in range(4, 8)] == [["2", "1"], ["2", "2"], ["2", "3"], ["2", "4"]]
    assert view.caption.text().startswith("Converged after 2 weight updates in 2 epochs")
    assert "0.2 e1 + 0.1 e2 - 0.2 = 0" in view.caption.text()
    assert view.line_equation() == pytest.approx((0.2, 0.1, -0.2))
    assert not view.buttons["sample"].isEnabled() and view.buttons["reset"].isEnabled()
    view.buttons["reset"].click()
    assert view.table.rowCount() == 0 and view.buttons["sample"].isEnabled()
    assert_line(view, -0.2, 0.1, -0.2)


def test_xor_runs_to_the_epoch_limit_and_says_no_line_exists(view):
    view.set_project(perceptron_xor())
    view.buttons["converge"].click()
    assert view.table.rowCount() == 20 * 4
    assert view.caption.text().startswith("Did not converge in 20 epochs")
    assert "no straight line separates" in view.caption.text()


def test_a_project_of_another_task_gets_a_hint(view):
    from projects.examples.build import xor_perceptron

    view.set_project(xor_perceptron())
    assert "set the task to perceptron" in view.caption.text()
    assert not any(b.isEnabled() for b in view.buttons.values())


def test_train_in_the_editor_shows_the_run_trace(window, qtbot):
    window.doc.set_project(perceptron(), None)
    session, d = window.training, window.training.dashboard
    session.mode = "thread"
    session.auto_evaluate = False
    assert d.tabs.isTabVisible(d.tabs.indexOf(d.rule))
    d.tabs.setCurrentWidget(d.rule)
    d.rule.buttons["sample"].click()
    assert d.rule.table.rowCount() == 1
    assert session.train()
    qtbot.waitUntil(lambda: session.state == "idle", timeout=60_000)
    assert d.rule.source == "run" and d.rule.table.rowCount() == 8
    assert d.rule.caption.text().startswith("Converged after 2 weight updates")
    assert d.status.text().startswith("converged after 2 weight updates")
    assert_line(d.rule, 0.2, 0.1, -0.2)
    d.rule.buttons["sample"].click()  # hand-stepping again starts from the settings' weights
    assert d.rule.source == "local" and d.rule.table.rowCount() == 1
    window.open_example("lenet5")
    assert not d.tabs.isTabVisible(d.tabs.indexOf(d.rule))
