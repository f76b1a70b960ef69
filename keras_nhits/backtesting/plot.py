"""The backtest's picture: the error at each cutoff beside the baselines', and one series'
forecasts over time.

Top panel: the MAE of every cutoff (all series pooled) for the model, the naive and the
seasonal-naive forecasts; a model that only beats the baselines on average but loses at the
latest cutoffs shows it here. Bottom panel: the actual values of one series over the backtest
span and the forecasts of up to `MAX_DRAWN` of its cutoffs, spread evenly, each from its cutoff.

matplotlib is optional and drawn through the object-oriented API, as `training.plotting`:
`plot_backtest` returns False, writing nothing, when it is not installed.
"""

import numpy as np

from keras_nhits.saving.atomic import atomic_output
from keras_nhits.training.plotting import LINE_STYLES

# Forecast paths drawn in the lower panel: beyond a dozen they hide each other.
MAX_DRAWN = 12
# The PNG text chunk that marks the picture as ours (what a later backtest may replace).
PNG_SOFTWARE = "keras_nhits backtest"
BASELINE_STYLES = {
    "naive": {"color": "tab:blue", "linewidth": 1.0, "linestyle": ":"},
    "seasonal_naive": {"color": "tab:green", "linewidth": 1.0, "linestyle": "--"},
}


def plot_backtest(path, backtest, series_index=0):
    """Writes the picture of a `Backtest` (`run_backtest`) to the PNG file `path`, atomically.

    Args:
        path: the PNG file; its folder must exist.
        backtest: the `Backtest`.
        series_index: the series drawn in the lower panel (default the first).

    Returns True once written; False, writing nothing, without matplotlib.
    """
    try:
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    figure = Figure(figsize=(10, 6.4), layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    _draw_errors(top, backtest.record)
    _draw_series(bottom, backtest, series_index)
    with atomic_output(path) as temp:
        figure.savefig(temp, format="png", dpi=100, metadata={"Software": PNG_SOFTWARE})
    return True


def _draw_errors(ax, record):
    entries = record["per_cutoff"]
    x = np.arange(len(entries))
    for name in ("model", "naive", "seasonal_naive"):
        if name not in entries[0]:
            continue
        mae = [np.nan if e[name]["mae"] is None else e[name]["mae"] for e in entries]
        style = LINE_STYLES["forecast"] if name == "model" else BASELINE_STYLES[name]
        ax.plot(x, mae, marker="o", markersize=3, label=name.replace("_", " "), **style)
    ticks = x if len(x) <= 12 else np.linspace(0, len(x) - 1, 12).astype(int)
    ax.set_xticks(ticks, [str(entries[i]["cutoff"]) for i in ticks], rotation=30, fontsize=7)
    ax.set_ylabel("MAE")
    ax.set_title(f"error by cutoff ({record['n_series']} series, horizon {record['horizon']})")
    ax.legend(fontsize=8)


def _draw_series(ax, backtest, i):
    forecasts, series = backtest.forecasts, backtest.series
    windows = forecasts.windows
    rows = np.flatnonzero(windows.series == i)
    horizon = forecasts.actual.shape[1]
    first, last = int(windows.cutoffs[rows[0]]), int(windows.cutoffs[rows[-1]]) + horizon
    positions = np.arange(first, last + 1)
    values = series.series_values(i)[positions]
    ax.plot(series.time_at(i, positions), values, label="actual", **LINE_STYLES["actual"])
    drawn = rows[np.unique(np.linspace(0, len(rows) - 1, min(MAX_DRAWN, len(rows))).astype(int))]
    for n, row in enumerate(drawn):
        cut = int(windows.cutoffs[row])
        steps = np.arange(cut, cut + horizon + 1)
        path = np.concatenate([[series.series_values(i)[cut]], forecasts.point[row]])
        style = {**LINE_STYLES["forecast"], "linewidth": 1.0, "alpha": 0.8}
        ax.plot(series.time_at(i, steps), path, label="forecast" if n == 0 else None, **style)
    ax.set_title(f"series {series.ids[i]}: forecasts from {len(drawn)} of {len(rows)} cutoffs")
    target = (series.columns.get("targets") or [""])[0]
    if target:
        ax.set_ylabel(str(target)[:40])
    ax.legend(fontsize=8)
