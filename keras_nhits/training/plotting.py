"""A picture of test windows: history, actual future, forecast and a baseline, one panel each.

matplotlib is optional: it is imported inside `plot_forecasts`, which returns False when it is not
installed so that training still finishes and the caller prints a notice. The figure is drawn with
the object-oriented API (`Figure` + the Agg canvas), never `pyplot`: no global figure state, no
display backend, safe on a headless server and in a process that uses matplotlib for other things.
"""

import math
import numbers

import numpy as np

from keras_nhits.errors import NHITSInputError, short_repr
from keras_nhits.saving.atomic import atomic_output

# Panels in one picture: beyond a dozen each panel is too small to read; the trainer draws the
# first ones and says so. More than four are laid out in two columns.
MAX_PANELS = 12
ONE_COLUMN = 4
# The lines drawn after the forecast origin: the actual future, the baseline, the forecast.
LINE_STYLES = {
    "actual": {"color": "black", "linewidth": 1.2},
    "baseline": {"color": "tab:blue", "linewidth": 1.0, "linestyle": ":"},
    "forecast": {"color": "tab:orange", "linewidth": 1.6},
}
# Prediction intervals are shaded in the forecast's colour, each narrower band more opaque than
# the one around it (bands overlap, so the centre of the forecast reads darkest).
BAND_ALPHA_STEP = 0.15
MAX_BAND_ALPHA = 0.6  # beyond four bands the inner ones stay translucent (alpha must be <= 1)


def plot_forecasts(path, inputs, actual, forecast, **options):
    """Draw the last `max_panels` windows to a PNG file at `path`.

    Args:
        path: the PNG file to write; written atomically (see `atomic_io.atomic_output`), so a
            killed run never leaves a broken image. Its folder must exist.
        inputs, actual, forecast, **options: what `forecast_figure` takes (titles, max_panels,
            times, baseline, baseline_label, ylabel, bands).

    Returns:
        True once the file is written; False, writing nothing, when matplotlib is not installed.
        The caller then tells the user (e.g. "pip install matplotlib for forecast plots").
    """
    figure = forecast_figure(inputs, actual, forecast, **options)
    if figure is None:
        return False
    with atomic_output(path) as temp_path:
        figure.savefig(temp_path, format="png", dpi=100)
    return True


def forecast_figure(
    inputs,
    actual,
    forecast,
    titles=None,
    max_panels=4,
    times=None,
    baseline=None,
    baseline_label="naive",
    ylabel=None,
    bands=None,
):
    """The matplotlib `Figure` of the last `max_panels` windows that `plot_forecasts` saves, or
    None when matplotlib is not installed. One `Axes` per drawn window, each with its legend.

    Args:
        inputs: the input history of each window, `[windows, input_size]`, in raw units.
        actual: the actual future, `[windows, horizon]`.
        forecast: the model's forecast, `[windows, horizon]`.
        titles: None (the default: "window i") or one title per window (a series id, say), the
            same length as `windows`.
        max_panels: how many windows to draw, the last ones, one panel each (default 4, at most
            `MAX_PANELS`).
        times: None (the default) or the time of every step of each window, `[windows,
            input_size + horizon]`: `datetime64` puts dates on the x axis, integers steps.
            Without it the x axis counts steps from the forecast origin.
        baseline: None or a forecast to compare against (the naive one), `[windows, horizon]`.
        baseline_label: its name in the legend (default "naive").
        ylabel: the y axis label (the target column), one per panel (a list), or None.
        bands: None (the default) or the prediction intervals of a probabilistic model, a list
            of `(label, lower, upper)` with `lower` and `upper` `[windows, horizon]` in raw
            units (e.g. `("80 %", lo, hi)`), widest first. Each is shaded over the horizon in
            the forecast's colour, narrower ones more opaque, and named "<label> interval" in
            the legend. None or an empty list draws exactly the figure without bands.
    """
    inputs, actual, forecast = _checked_windows(inputs, actual, forecast)
    titles, times, baseline = _checked_options(
        actual.shape, inputs.shape[1], max_panels, titles, times, baseline
    )
    bands = check_bands(forecast.shape, bands)
    try:
        # The top-level package first: it is what an absent (or blocked) matplotlib fails on, even
        # when its submodules are already cached in sys.modules.
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None

    windows, input_size = inputs.shape
    horizon = actual.shape[1]
    shown = list(range(max(0, windows - max_panels), windows))
    figure, axes, columns = _panel_grid(Figure, FigureCanvasAgg, len(shown))
    dated = times is not None and np.issubdtype(times.dtype, np.datetime64)
    futures = [(actual, "actual", LINE_STYLES["actual"])]
    if baseline is not None:
        futures.append((baseline, baseline_label, LINE_STYLES["baseline"]))
    futures.append((forecast, "forecast", LINE_STYLES["forecast"]))
    for ax, window in zip(axes, shown):
        x = np.arange(-input_size, horizon) if times is None else times[window]
        lines = [(values[window], name, style) for values, name, style in futures]
        shades = [(label, lower[window], upper[window]) for label, lower, upper in bands]
        _draw_panel(ax, x, inputs[window], lines, shades)
        ax.set_title(str(titles[window]) if titles is not None else f"window {window}")
        label = ylabel[window] if isinstance(ylabel, (list, tuple)) else ylabel
        if label:
            ax.set_ylabel(str(label)[:40])
        if dated:
            _date_axis(ax, x)
    for ax in axes[-columns:]:
        ax.set_xlabel("time" if dated else "step" if times is not None else "steps from origin")
    return figure


def _panel_grid(figure_class, canvas_class, panels):
    """A figure of `panels` axes, in one column up to `ONE_COLUMN` of them and two beyond.

    Returns the figure, its `panels` axes (row by row) and the number of columns.
    """
    columns = 1 if panels <= ONE_COLUMN else 2
    rows = math.ceil(panels / columns)
    figure = figure_class(figsize=(9 * columns, 2.6 * rows + 0.4), layout="constrained")
    canvas_class(figure)
    grid = figure.subplots(rows, columns, squeeze=False).reshape(-1)
    for extra in grid[panels:]:
        extra.remove()
    return figure, grid[:panels], columns


def _checked_windows(inputs, actual, forecast):
    """`inputs`, `actual` and `forecast` as float arrays, refused unless they are
    `[windows, input_size]`, `[windows, horizon]` and `[windows, horizon]` with windows >= 1."""
    inputs = np.asarray(inputs, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    if inputs.ndim != 2 or actual.ndim != 2 or actual.shape != forecast.shape:
        raise NHITSInputError(
            "plot_forecasts needs inputs [windows, input_size] and actual, forecast both "
            f"[windows, horizon]; received inputs {inputs.shape}, actual {actual.shape}, "
            f"forecast {forecast.shape}"
        )
    if actual.shape[0] != inputs.shape[0]:
        raise NHITSInputError(
            f"inputs has {inputs.shape[0]} windows but actual and forecast have {actual.shape[0]}"
        )
    if inputs.shape[0] == 0:
        raise NHITSInputError("plot_forecasts received no windows to draw")
    return inputs, actual, forecast


def _checked_options(shape, input_size, max_panels, titles, times, baseline):
    """`max_panels` checked against `MAX_PANELS`, and `titles`, `times` and `baseline` against
    the windows' `shape` (`[windows, horizon]`) and `input_size`; each given one is returned as
    a list or array."""
    windows, horizon = shape
    if (
        isinstance(max_panels, bool)
        or not isinstance(max_panels, numbers.Integral)
        or not 1 <= max_panels <= MAX_PANELS
    ):
        raise NHITSInputError(
            f"max_panels must be an integer from 1 to {MAX_PANELS}; received {max_panels!r}"
        )
    if titles is not None:
        titles = list(titles)
        if len(titles) != windows:
            raise NHITSInputError(
                f"titles must have one entry per window ({windows}); received {len(titles)}"
            )
    if times is not None:
        times = np.asarray(times)
        if times.shape != (windows, input_size + horizon):
            raise NHITSInputError(
                f"times must be [windows, input_size + horizon] = {(windows, input_size + horizon)}"
                f"; received {times.shape}"
            )
    if baseline is not None:
        baseline = np.asarray(baseline, dtype=np.float64)
        if baseline.shape != shape:
            raise NHITSInputError(
                f"baseline must be [windows, horizon] like actual {shape}; received "
                f"{baseline.shape}"
            )
    return titles, times, baseline


def check_bands(shape, bands):
    """`bands` (None or a list of `(label, lower, upper)`) as a list of `(label, lower, upper)`
    float arrays, refused unless each bound has the forecast's `shape`; None gives `[]`.

    Public because `forecast_panels.panel_arguments` checks the bands over all test windows
    with it before it picks the drawn rows.
    """
    if bands is None:
        return []
    checked = []
    for band in bands:
        if not isinstance(band, (list, tuple)) or len(band) != 3:
            raise NHITSInputError(
                f"each of bands must be (label, lower, upper); received {short_repr(band)}"
            )
        label, lower, upper = band
        lower = np.asarray(lower, dtype=np.float64)
        upper = np.asarray(upper, dtype=np.float64)
        if lower.shape != shape or upper.shape != shape:
            raise NHITSInputError(
                f"band {str(label)[:40]!r} must have lower and upper [windows, horizon] like "
                f"the forecast {shape}; received lower {lower.shape}, upper {upper.shape}"
            )
        checked.append((label, lower, upper))
    return checked


def _draw_panel(ax, x, history, futures, bands=()):
    """One window on `ax`: its `history` up to the origin, then each of `futures` (values,
    legend name, line style) from the last history point, the `bands` (label, lower, upper;
    widest first) shaded over the horizon, and a dashed line at the origin."""
    input_size = len(history)
    history_x, joint_x = x[:input_size], x[input_size - 1 :]
    # Join the last input point to the future lines so the plot reads as one series.
    last = history[-1:]
    ax.plot(history_x, history, color="0.45", linewidth=1.2, label="history")
    for values, name, style in futures:
        ax.plot(joint_x, np.concatenate([last, values]), label=name, **style)
    # Drawn after the lines so the legend lists them after the forecast; a collection's zorder
    # (1) is below a line's (2), so the shading still lies beneath every line.
    for k, (label, lower, upper) in enumerate(bands):
        ax.fill_between(
            x[input_size:],
            lower,
            upper,
            color=LINE_STYLES["forecast"]["color"],
            alpha=min(BAND_ALPHA_STEP * (k + 1), MAX_BAND_ALPHA),
            linewidth=0,
            label=f"{label} interval",
        )
    ax.axvline(x[input_size - 1], color="0.75", linewidth=0.8, linestyle="--")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")


def _date_axis(ax, times):
    """Dates as tick labels: the day, with the time of day (to the second) when the steps
    need it."""
    from matplotlib.dates import AutoDateLocator, DateFormatter

    seconds = times.astype("datetime64[s]").astype(np.int64)
    if np.all(seconds % 86400 == 0):
        style = "%Y-%m-%d"
    elif np.all(seconds % 60 == 0):
        style = "%Y-%m-%d %H:%M"
    else:
        style = "%Y-%m-%d %H:%M:%S"
    # A whole maxticks (not Matplotlib's per-unit table) keeps the long labels apart; 8 is one
    # for which every span from seconds to years finds an interval (no "unable to pick" warning).
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(DateFormatter(style))
    ax.tick_params(axis="x", labelsize="small", labelrotation=20)
