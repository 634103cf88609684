"""The perceptron rule (the course's Practical Exercises 01, Exercise 01): one sign unit learns two
classes one sample at a time, w <- w + eta (d - y) e, until an epoch changes nothing. No torch
here: the declaration only (rule.py holds the rule, torch-free too)."""
from __future__ import annotations

from nodes.spec import Param

from ..declaration import DataFit, Metric, Prediction, SettingsSection, TaskDeclaration
from ..supervised.report import describe
from .rule import SECTION, VIEW

PERCEPTRON_PER_S = 10.0  # a perceptron's trace is a few numbers per sample

ORDER = 20  # where the editor lists these tasks
TASKS = (
    TaskDeclaration(
        "perceptron", "Perceptron rule", "One sign unit learns two classes one sample at a time: w <- w + eta (d - y) "
        "e, until an epoch changes nothing (Practical Exercises 01)",
        (Metric("mistakes", "mistakes (weight updates)", "wrong", goal="", percent=True),
         Metric("accuracy", "accuracy", "acc", goal="", percent=True, plot=1)),
        plots=("Mistakes: samples that changed the weights", "Accuracy"), optimizers=(),
        settings=(SettingsSection(SECTION, (
            Param("eta", "float", 0.1, "Learning step eta of the perceptron rule w <- w + eta (d - y) e", min=1e-6,
                  max=100.0, label="eta (learning step)"),
            Param("w1", "float", -0.2, "Starting weight of input e1 (the course: -0.2)", min=-1e6, max=1e6,
                  label="initial w1"),
            Param("w2", "float", 0.1, "Starting weight of input e2 (the course: +0.1)", min=-1e6, max=1e6,
                  label="initial w2"),
            Param("b", "float", -0.2, "Starting bias (threshold) b (the course: -0.2)", min=-1e6, max=1e6,
                  label="initial b"),
            Param("order", "choice", "fixed", "Order of the samples in each epoch: fixed (the table's) or shuffled (a "
                  "new order each epoch, from the seed)", choices=("fixed", "shuffled"), label="sample order")),
            "Perceptron", "perceptron-"),),
        data=DataFit(("classes", "values"), "choose a two-class table such as 'and' or 'xor'"),
        schedule="none", views=(VIEW,), traced=True, samples_per_s=PERCEPTRON_PER_S,
        prediction=Prediction("none", "", "A perceptron's decisions are drawn in the Perceptron tab: step the rule "
                                          "there"),
        describe=describe, use="use:Use"),
)
