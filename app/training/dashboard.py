"""The Training tab: the run header (buttons, device, progress, banner, status) above the tabs of the
views (views.py: curves, samples, the perceptron rule, feature maps, attention, gradients,
evaluation, prediction). A view only: the run controller (runs.py) gives it the state of the open
project and the live events of its run, and it passes both to every view."""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from .run_header import RunHeader
from .state import TrainingState
from .views import TAB_VIEWS


class TrainingDashboard(QWidget):
    def __init__(self, actions: dict, parent=None):
        super().__init__(parent)
        self.header = RunHeader(actions)
        self.views = [cls() for cls in TAB_VIEWS]
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for view in self.views:
            self.tabs.addTab(view, view.title)
        by_type = {type(v): v for v in self.views}
        names = ("curves", "samples", "rule", "feature_maps", "attention", "gradients", "evaluation",
                 "prediction")
        for name, cls in zip(names, TAB_VIEWS):  # the views by name, for the controller and the tests
            setattr(self, name, by_type[cls])
        self.header.epoch_text = self.curves.epoch_text
        h = self.header
        self.device, self.progress, self.progress_text, self.device_label = h.device, h.progress, h.progress_text, \
            h.device_label
        self.banner, self.status = h.banner, h.status
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        lay.addWidget(self.header)
        lay.addWidget(self.tabs, 1)
        self.state: TrainingState | None = None

    def show_state(self, state: TrainingState) -> None:
        """Every view shows ``state``; the tabs of views that do not apply to it are hidden."""
        self.state = state
        self.header.show_state(state)
        for view in self.views:
            self._show_tab(view, view.applies(state))
            view.show_state(state)

    def take_events(self, events: list[dict]) -> None:
        """Live events of a run of the open project, to the header and every view."""
        if not events:
            return
        self.header.take_events(events)
        for view in self.views:
            view.take_events(events)

    def _show_tab(self, page, shown: bool) -> None:
        """Show or hide a view's tab; hiding the current one moves to the curves."""
        index = self.tabs.indexOf(page)
        if self.tabs.isTabVisible(index) != shown:
            if not shown and self.tabs.currentIndex() == index:
                self.tabs.setCurrentWidget(self.curves)
            self.tabs.setTabVisible(index, shown)

    def show_banner(self, text: str) -> None:
        self.header.show_banner(text)

    def device_choice(self) -> str:
        return self.header.device_choice()

    def set_device_choice(self, value: str) -> None:
        self.header.set_device_choice(value)
