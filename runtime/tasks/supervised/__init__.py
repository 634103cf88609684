"""Supervised tasks: one input block takes the dataset's samples and one head compares the model's
output with the dataset's targets through its loss (classification, regression, yes/no, and
whole sequences classified). No torch here: the declarations only."""
from __future__ import annotations

from ..declaration import DataFit, Metric, Option, Prediction, TaskDeclaration
from .report import describe

LOSS = Metric("loss", "loss", "loss")
ACCURACY = Metric("accuracy", "accuracy", "acc", goal="max", percent=True, plot=1)
REGRESSION = (LOSS, Metric("mae", "MAE", "mae", plot=1, step=False), Metric("mse", "MSE", "mse", plot=1, step=False),
              Metric("r2", "R²", "r2", goal="max", plot=1, step=False))
CLASSES = DataFit(("classes",), "choose a dataset of labelled classes (Fashion-MNIST, a CSV with a class column, "
                                "labelled text) or another task")
CLASS_PREDICTION = Prediction("images", "classes")
TEST_DATA = Option("test_data", "str", "CSV or time-series CSV: evaluate on this test file instead of a cut of the "
                                       "data file's rows")
PREDICT = (Option("polarity", "choice", "classifier on light-on-dark grayscale images (Fashion-MNIST, MNIST): invert a "
                  "photo with a light background (auto, the default), always (invert) or never (keep)", "auto",
                  ("auto", "invert", "keep")),)
NO_IMAGES = Prediction("none", "", "This model does not classify image files: its predictions on the test set are in "
                                   "the Evaluation tab")

ORDER = 0  # where the editor lists these tasks
TASKS = (
    TaskDeclaration("classification", "Classification", "Learn class ids from examples (softmax + cross-entropy)",
                    (LOSS, ACCURACY), heads=("head.classification",), data=CLASSES, prediction=CLASS_PREDICTION,
                    describe=describe, evaluate_options=(TEST_DATA,), predict_options=PREDICT),
    TaskDeclaration("regression", "Regression", "Learn numbers: make the outputs close to the targets", REGRESSION,
                    plots=("Loss", "Validation error"), heads=("head.regression", "head.total_squared_error"),
                    prediction=NO_IMAGES, describe=describe, evaluate_options=(TEST_DATA,)),
    TaskDeclaration("binary", "Binary classification", "Answer a yes/no question (sigmoid + binary cross-entropy)",
                    (LOSS, ACCURACY), heads=("head.binary",), data=DataFit(("classes", "values")),
                    prediction=NO_IMAGES, describe=describe, evaluate_options=(TEST_DATA,)),
    TaskDeclaration("sequence_classification", "Sequence classification",
                    "Classify whole sequences (text lines, signals) with a classification head", (LOSS, ACCURACY),
                    data=CLASSES, prediction=CLASS_PREDICTION, describe=describe, evaluate_options=(TEST_DATA,),
                    predict_options=PREDICT),
)
