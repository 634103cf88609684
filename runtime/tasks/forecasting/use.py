"""A trained forecasting model in use: the regression report plus the forecast error of the
forecasts that need no learning on the same test windows, and (for the editor) the test series
with every window's forecasts."""
from __future__ import annotations

from ...trained import data_settings
from ..supervised.use import Use as SupervisedUse
from ..usage import TRANSIENT
from .baselines import forecast_baselines, forecast_stretch, season_of


class Use(SupervisedUse):
    @classmethod
    def extend(cls, report, project, model, ds, part, out, pictures, best):
        settings = data_settings(project)
        target = part.y.float().reshape(out.shape) if part.y.numel() == out.numel() else part.y.float()
        report.update(horizon=ds.extras.get("horizon"), baselines=forecast_baselines(
            part.x, target, ds.extras.get("target_feature", 0), *season_of(settings)))
        if pictures:
            report[TRANSIENT] = {"forecast": forecast_stretch(model, ds, settings)}
