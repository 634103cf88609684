"""What the Samples tab's explorer asks of a trained model: the explorer its task's ``use`` module
offers (runtime.use.explorer_of: a GAN's samples and walks, a VAE's prior samples, interpolations
and latent map), made on first use in the tab's worker thread so that the GUI thread never waits
for torch. No Qt here."""
from __future__ import annotations

import threading

from runtime.use import EvaluationError, explorer_of


class ExploreError(Exception):
    """A request the trained model cannot answer; one sentence."""


class Explorer:
    """The task's explorer of a frozen copy of a trained project, loaded on first use."""

    def __init__(self, project):
        self.project = project
        self._explorer = None
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._explorer is None:
                try:
                    self._explorer = explorer_of(self.project)
                except EvaluationError as e:
                    raise ExploreError(str(e)) from None
                if self._explorer is None:
                    raise ExploreError("this model has nothing to explore here")
            return self._explorer

    def __getattr__(self, name: str):
        """info, samples, walk, interpolate, latent_map...: what the task's explorer offers."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._get(), name)
