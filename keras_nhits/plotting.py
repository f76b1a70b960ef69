"""A picture of the last test windows: input history, actual future and forecast, one panel each.

matplotlib is optional: it is imported inside `plot_forecasts`, which returns False when it is not
installed so that training still finishes and the caller prints a notice. The figure is drawn with
the object-oriented API (`Figure` + the Agg canvas), never `pyplot`: no global figure state, no
display backend, safe on a headless server and in a process that uses matplotlib for other things.
"""

import numbers

import numpy as np

from keras_nhits.atomic_io import atomic_output
from keras_nhits.errors import NHITSInputError


def plot_forecasts(path, inputs, actual, forecast, titles=None, max_panels=4):
    """Draw the last `max_panels` windows to a PNG file at `path`.

    Args:
        path: the PNG file to write; written atomically (see `atomic_io.atomic_output`), so a
            killed run never leaves a broken image. Its folder must exist.
        inputs: the input history of each window, `[windows, input_size]`, in raw units.
        actual: the actual future, `[windows, horizon]`.
        forecast: the model's forecast, `[windows, horizon]`.
        titles: None (the default: "window i") or one title per window (a series id and a
            timestamp, say), the same length as `windows`.
        max_panels: how many windows to draw, the last ones, one panel each (default 4).

    Returns:
        True once the file is written; False, writing nothing, when matplotlib is not installed.
        The caller then tells the user (e.g. "pip install matplotlib for forecast plots").

    The x axis counts steps relative to the forecast origin: history at -input_size..-1, the
    horizon at 0..horizon-1.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    if inputs.ndim != 2 or actual.ndim != 2 or actual.shape != forecast.shape:
        raise NHITSInputError(
            "plot_forecasts needs inputs [windows, input_size] and actual, forecast both "
            f"[windows, horizon]; received inputs {inputs.shape}, actual {actual.shape}, "
            f"forecast {forecast.shape}"
        )
    windows = inputs.shape[0]
    if actual.shape[0] != windows:
        raise NHITSInputError(
            f"inputs has {windows} windows but actual and forecast have {actual.shape[0]}"
        )
    if windows == 0:
        raise NHITSInputError("plot_forecasts received no windows to draw")
    if (
        isinstance(max_panels, bool)
        or not isinstance(max_panels, numbers.Integral)
        or max_panels < 1
    ):
        raise NHITSInputError(f"max_panels must be an integer >= 1; received {max_panels!r}")
    if titles is not None:
        titles = list(titles)
        if len(titles) != windows:
            raise NHITSInputError(
                f"titles must have one entry per window ({windows}); received {len(titles)}"
            )

    try:
        # The top-level package first: it is what an absent (or blocked) matplotlib fails on, even
        # when its submodules are already cached in sys.modules.
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False

    shown = range(max(0, windows - max_panels), windows)
    input_size, horizon = inputs.shape[1], actual.shape[1]
    history_x = np.arange(-input_size, 0)
    future_x = np.arange(horizon)

    figure = Figure(figsize=(9, 2.6 * len(shown)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(shown), 1, squeeze=False)[:, 0]
    for ax, window in zip(axes, shown):
        # Join the last input point to the future lines so the plot reads as one series.
        joint_x = np.concatenate([history_x[-1:], future_x])
        last = inputs[window, -1:]
        ax.plot(history_x, inputs[window], color="0.45", linewidth=1.2, label="input")
        ax.plot(
            joint_x,
            np.concatenate([last, actual[window]]),
            color="black",
            linewidth=1.2,
            label="actual",
        )
        ax.plot(
            joint_x,
            np.concatenate([last, forecast[window]]),
            color="tab:orange",
            linewidth=1.6,
            label="forecast",
        )
        ax.axvline(-0.5, color="0.75", linewidth=0.8, linestyle="--")
        ax.set_title(str(titles[window]) if titles is not None else f"window {window}")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize="small")
    axes[-1].set_xlabel("steps from forecast origin")

    with atomic_output(path) as temp_path:
        figure.savefig(temp_path, format="png", dpi=100)
    return True
