"""Forecasting: predict the next values of a series from a window of its past, trained like a
regression, judged against the forecasts that need no learning (naive and seasonal naive). No
torch here: the declaration only."""
from __future__ import annotations

from ..declaration import DataFit, Prediction, TaskDeclaration
from ..supervised import REGRESSION, TEST_DATA
from .report import describe

ORDER = 10  # where the editor lists these tasks
TASKS = (
    TaskDeclaration("forecasting", "Forecasting", "Predict the next values of a series from a window of its past",
                    REGRESSION, plots=("Loss", "Validation error"),
                    data=DataFit(("forecast",), "choose a time series (sine, sawtooth, or a CSV time series) or "
                                                "another task"),
                    prediction=Prediction("none", "", "A forecast is drawn against the test series in the Evaluation "
                                                      "tab: evaluate the model there"),
                    evaluate_options=(TEST_DATA,), describe=describe,
                    training="training:Training", use="use:Use"),
)
