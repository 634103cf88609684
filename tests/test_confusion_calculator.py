"""The confusion-matrix calculator (Practical Exercises 01, Exercise 02): the numbers on the course's
matrix, one sentence for bad input, and the widget in the Evaluation tab."""
from __future__ import annotations

import pytest

from runtime.metrics import confusion_report, parse_confusion_matrix

# the handbook's matrix, pasted as it is printed (a header line, "Real ..." row names, tabs)
COURSE_TABLE = ("\tPredicted: Cat\tPredicted: Dog\tPredicted: Rabbit\n"
                "Real Cat\t50\t5\t3\nReal Dog\t10\t60\t5\nReal Rabbit\t2\t4\t40\n")


def test_course_matrix_gives_the_course_numbers():
    names, counts = parse_confusion_matrix(COURSE_TABLE)
    assert names == ["Real Cat", "Real Dog", "Real Rabbit"]
    assert counts == [[50, 5, 3], [10, 60, 5], [2, 4, 40]]
    r = confusion_report(counts, names)
    assert round(r["accuracy"], 3) == 0.838  # 150 of 179
    assert [round(v, 3) for v in r["precision"]] == [0.806, 0.870, 0.833]
    assert [round(v, 3) for v in r["recall"]] == [0.862, 0.800, 0.870]
    assert [round(v, 3) for v in r["f1"]] == [0.833, 0.833, 0.851]
    assert {k: round(v, 3) for k, v in r["macro"].items()} == {"precision": 0.836, "recall": 0.844, "f1": 0.839}
    assert r["support"] == [58, 75, 46]


@pytest.mark.parametrize("text", ["cat 50 5 3\ndog 10 60 5\nrabbit 2 4 40", "cat,50,5,3\ndog,10,60,5\nrabbit,2,4,40",
                                  "50 5 3\n10 60 5\n2 4 40"])
def test_spaces_commas_and_unnamed_rows(text):
    names, counts = parse_confusion_matrix(text)
    assert counts == [[50, 5, 3], [10, 60, 5], [2, 4, 40]]
    assert names[0] in ("cat", "class 1")


@pytest.mark.parametrize("text, words", [
    ("cat 1 2\ndog 3 x", "'x' among its counts"),
    ("cat 1 2 3\ndog 1 2 3", "2 rows of 3 counts is not a confusion matrix"),
    ("cat 1 2\ndog 1", "Row 2 has 1 count but row 1 has 2"),
    ("cat 1.5 2\ndog 1 1", "whole numbers"),
    ("cat -1 2\ndog 1 1", "whole numbers"),
    ("", "Type or paste one row per true class"),
    ("cat 5", "at least two classes"),
])
def test_bad_input_is_one_sentence(text, words):
    with pytest.raises(ValueError) as e:
        parse_confusion_matrix(text)
    assert words in str(e.value) and str(e.value).count(". ") == 0 and str(e.value).endswith(".")


def test_widget_shows_the_course_example_and_says_what_is_wrong(qtbot):
    from app.training.evaluation import EvaluationView

    view = EvaluationView()
    qtbot.addWidget(view)
    view.show()
    assert view.pages.currentWidget() is not view.calculator
    view.calculator_button.click()
    calc = view.calculator
    assert view.pages.currentWidget() is calc and calc.isVisible()
    assert calc.table.rowCount() == 4  # three classes and the macro average
    cells = [[calc.table.item(r, c).text() for c in range(5)] for r in range(4)]
    assert cells[0] == ["cat", "0.806", "0.862", "0.833", "58"]
    assert cells[1][:3] == ["dog", "0.870", "0.800"] and cells[2][:3] == ["rabbit", "0.833", "0.870"]
    assert cells[3][0] == "Macro average" and cells[3][1:4] == ["0.836", "0.844", "0.839"]
    assert calc.status.text().startswith("Accuracy 0.838 (150 of 179 samples on the diagonal)")
    calc.set_text("cat 1 2\ndog 3 x")
    assert calc.table.rowCount() == 0 and calc.status.text().startswith("Row 2 has 'x' among its counts")
    calc.set_text("a\t9\t1\nb\t1\t9")
    assert calc.status.text().startswith("Accuracy 0.900") and calc.table.item(0, 1).text() == "0.900"
    calc.example.click()
    assert calc.status.text().startswith("Accuracy 0.838")
    view.calculator_button.click()
    assert view.pages.currentWidget() is not calc
