"""The one protocol every view of the Training tab implements, and the list of those views.

A view says whether it applies to a state (its tab is shown then: the Samples tab for tasks that
want samples, the Attention tab for graphs with attention), shows a TrainingState (state.py: it
rebuilds itself from it, and keeps nothing of another project), and takes the live events of a
run of the open project, a batch at a time. Adding a view is one class with these three methods
and one entry in ``TAB_VIEWS``; nothing else names the views one by one.
"""
from __future__ import annotations

from typing import Protocol

from .attention_view import AttentionView
from .curves import CurvesView
from .evaluation import EvaluationView
from .feature_maps import FeatureMapView
from .gradients import GradientView
from .perceptron_view import PerceptronView
from .prediction import PredictionView
from .samples import SamplesView
from .state import TrainingState


class TrainingView(Protocol):
    title: str  # the tab's text

    def applies(self, state: TrainingState) -> bool:
        """Whether this view's tab is shown for ``state`` (which tasks and graphs it is for)."""

    def show_state(self, state: TrainingState) -> None:
        """Show the open project's state: nothing of another project, or of an older run, stays."""

    def take_events(self, events: list[dict]) -> None:
        """Live events of a run of the open project (a batch: draw once, for the newest)."""


# The views of the Training tab, in tab order (the dashboard makes each once).
TAB_VIEWS = (CurvesView, SamplesView, PerceptronView, FeatureMapView, AttentionView, GradientView, EvaluationView,
             PredictionView)
