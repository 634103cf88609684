"""Forecasting baselines and the test series a forecast is drawn against (imports torch).

A forecasting model is only useful if it beats the forecasts that need no learning, computed
here on the same test windows (x (N, W, F), y (N, H), runtime/data/series.py):

- naive (last value): every step of the horizon repeats the last observed value;
- seasonal naive: each step takes the value one season (m steps) earlier, y[T+h-m] for h <= m
  (and the last observed season again for h > m), which needs a window of at least m steps.

The season is the sine/sawtooth sources' ``period`` and a CSV series' ``season`` setting.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from ...data.catalog import source_params
from ...trained import model_outputs

def season_of(settings: dict) -> tuple[int | None, str]:
    """(season in steps, "") from a dataset's settings, or (None, why the seasonal-naive forecast is
    unavailable): a source's ``period`` option (the synthetic waves), else its ``season`` (a CSV series)."""
    name = settings.get("name")
    own = {p.name: p.default for p in source_params(name)}
    if "period" in own:
        period, key = settings.get("period", own["period"]), "period"
    elif "season" in own:
        period, key = settings.get("season") or None, "season"
        if period is None:
            return None, ("no 'season' dataset setting: add one (the series' period in steps, e.g. 12 for "
                          "monthly data with a yearly cycle) to compare with the seasonal-naive forecast")
    else:
        return None, f"the dataset '{name}' has no known season"
    if isinstance(period, bool) or not isinstance(period, (int, float)) or not math.isfinite(period) or period < 1:
        return None, f"the dataset setting '{key}' must be a number of steps of at least 1, not {period!r}"
    return max(1, round(period)), ""


def baseline_forecasts(x: torch.Tensor, horizon: int, target: int = 0,
                       season: int | None = None) -> dict[str, torch.Tensor | None]:
    """{"naive": (N, H), "seasonal_naive": (N, H) or None} from windows x (N, W, F) of which
    feature ``target`` is forecast; the seasonal one is None when the window is shorter than
    ``season`` (or there is no season)."""
    past = x[:, :, target] if x.dim() == 3 else x
    naive = past[:, -1:].expand(len(past), horizon)
    seasonal = None
    window = past.shape[1]
    if season is not None and season <= window:
        h = torch.arange(1, horizon + 1)
        back = season * torch.div(h + season - 1, season, rounding_mode="floor")  # m x ceil(h / m)
        seasonal = past[:, window - 1 + h - back]
    return {"naive": naive, "seasonal_naive": seasonal}


def forecast_baselines(x: torch.Tensor, y: torch.Tensor, target: int = 0, season: int | None = None,
                       why: str = "") -> dict[str, Any]:
    """Test MAE of the naive and seasonal-naive forecasts of ``y`` (N, H): a JSON-ready dict
    {"naive": {"mae"}, "seasonal_naive": {"mae", "season"} or {"unavailable": reason}}."""
    y = y.reshape(len(y), -1).double()
    found = baseline_forecasts(x.double(), y.shape[1], target, season)
    out: dict[str, Any] = {"naive": {"mae": _mae(found["naive"], y)}}
    if found["seasonal_naive"] is not None:
        out["seasonal_naive"] = {"mae": _mae(found["seasonal_naive"], y), "season": season}
    else:
        out["seasonal_naive"] = {"unavailable": why or (
            f"the window of {x.shape[1]} steps is shorter than the season of {season} steps: use a window of "
            f"at least {season} steps" if season is not None else "the series has no known season")}
    return out


def _mae(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().mean()) if a.numel() else math.nan


@torch.no_grad()
def forecast_stretch(model, ds, settings: dict) -> dict[str, Any]:
    """The test series and every test window's forecasts, for a plot (numpy arrays, in the
    series' own units): ``truth`` (W + N + H - 1 values from the first window's start), the
    forecasts ``model``, ``naive`` and ``seasonal_naive`` (N, H; the last None when unavailable),
    with ``window``, ``horizon``, ``season`` and ``note``. Test windows start one step apart, so
    window i's forecast covers positions W + i ... W + i + H - 1 of ``truth``. ``model``: the
    trained CompiledModel; ``ds``: its dataset; ``settings``: the dataset settings."""
    x, y = ds.test.x.float(), ds.test.y.float()
    target = ds.extras.get("target_feature", 0)
    season, why = season_of(settings)
    out = model_outputs(model.module, x).reshape(len(x), -1) if len(x) else x.new_zeros((0, y.shape[1]))
    found = baseline_forecasts(x, y.shape[1], target, season)
    scale, shift = 1.0, 0.0
    if ds.normalization:
        t = ds.normalization.get("target", target)
        scale, shift = ds.normalization["std"][t], ds.normalization["mean"][t]
    if len(x):
        truth = torch.cat([x[0, :, target], y[0], y[1:, -1]])
    else:
        truth = x.new_zeros(0)

    def units(t):
        return None if t is None else (t * scale + shift).numpy()

    if found["seasonal_naive"] is None and season is not None:
        why = f"the window of {x.shape[1]} steps is shorter than the season of {season} steps"
    return {"truth": units(truth), "model": units(out), "naive": units(found["naive"]),
            "seasonal_naive": units(found["seasonal_naive"]), "window": int(x.shape[1]),
            "horizon": int(y.shape[1]), "season": season, "note": why, "dataset": ds.title}
