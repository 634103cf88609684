"""The sections of a forecasting model's report (no torch): the supervised figures, then the model's
forecast error against the forecasts that need no learning, and the forecast plot."""
from __future__ import annotations

from ... import reports as R
from ..supervised.report import regressor_sections


def describe(r: dict) -> list[dict]:
    return [*regressor_sections(r), R.text(*baselines_text(r)), R.plot("forecast", "forecast", "Test series")]


def baselines_text(report: dict) -> list[str]:
    """The lines `netcanvas evaluate` prints for a forecast's baselines (none without them)."""
    base = report.get("baselines")
    if not base:
        return []
    lines = [f"forecast MAE over {report.get('horizon', '?')} steps: model {report['mae']:.4f}   "
             f"naive (last value) {base['naive']['mae']:.4f}"]
    seasonal = base["seasonal_naive"]
    if "mae" in seasonal:
        lines[-1] += f"   seasonal naive (season {seasonal['season']}) {seasonal['mae']:.4f}"
        beaten, what = report["mae"] < min(base["naive"]["mae"], seasonal["mae"]), "both baselines"
    else:
        lines.append(f"seasonal naive: unavailable ({seasonal['unavailable']})")
        beaten, what = report["mae"] < base["naive"]["mae"], "the naive forecast"
    lines.append(f"the model beats {what}" if beaten else
                 f"the model does not beat {what}: train longer, or use a larger model or window")
    return lines
