"""plot_forecasts writes a real PNG (dates, a baseline, a legend on every panel), and degrades
to False without matplotlib."""

import os
import sys

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.training.plotting import plot_forecasts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _windows(count=6, input_size=12, horizon=4):
    steps = np.arange(count * (input_size + horizon), dtype=np.float64)
    series = np.sin(steps / 3.0).reshape(count, input_size + horizon)
    inputs, actual = series[:, :input_size], series[:, input_size:]
    return inputs, actual, actual + 0.1


def test_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    inputs, actual, forecast = _windows()
    path = tmp_path / "forecasts.png"
    titles = [f"series {i}" for i in range(len(inputs))]
    assert plot_forecasts(path, inputs, actual, forecast, titles=titles, max_panels=3) is True
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert os.listdir(tmp_path) == ["forecasts.png"]  # no temporary file left


def test_fewer_windows_than_panels(tmp_path):
    pytest.importorskip("matplotlib")
    inputs, actual, forecast = _windows(count=1)
    path = tmp_path / "one.png"
    assert plot_forecasts(path, inputs, actual, forecast, max_panels=4) is True
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_without_matplotlib_returns_false(tmp_path, monkeypatch):
    # None in sys.modules makes `import matplotlib` raise ImportError, as if it were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    inputs, actual, forecast = _windows()
    path = tmp_path / "forecasts.png"
    assert plot_forecasts(path, inputs, actual, forecast) is False
    assert not path.exists()


def test_mismatched_shapes_are_an_input_error(tmp_path):
    inputs, actual, forecast = _windows()
    with pytest.raises(NHITSInputError, match="forecast"):
        plot_forecasts(tmp_path / "x.png", inputs, actual, forecast[:, :2])
    with pytest.raises(NHITSInputError, match="titles"):
        plot_forecasts(tmp_path / "x.png", inputs, actual, forecast, titles=["only one"])


def _dated(count, input_size=12, horizon=4):
    start = np.datetime64("2024-03-01T00:00")
    steps = np.arange(input_size + horizon) * np.timedelta64(1, "h")
    return np.stack([start + steps + i * np.timedelta64(1, "D") for i in range(count)])


def test_dated_panels_have_dates_a_legend_and_one_panel_per_window():
    pytest.importorskip("matplotlib")
    from datetime import datetime

    from keras_nhits.training.plotting import forecast_figure

    inputs, actual, forecast = _windows(count=6)
    figure = forecast_figure(
        inputs,
        actual,
        forecast,
        titles=[f"s{i}" for i in range(6)],
        max_panels=6,
        times=_dated(6),
        baseline=np.repeat(inputs[:, -1:], 4, axis=1),
        ylabel="load_mw",
    )
    figure.canvas.draw()
    assert len(figure.axes) == 6
    for ax in figure.axes:
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and all(datetime.strptime(x, "%Y-%m-%d %H:%M") for x in labels)
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["history", "actual", "naive", "forecast"]
        assert ax.get_ylabel() == "load_mw"
    assert [ax.get_title() for ax in figure.axes] == [f"s{i}" for i in range(6)]


def test_wide_data_labels_each_panel_with_its_column():
    pytest.importorskip("matplotlib")
    from keras_nhits.training.plotting import forecast_figure

    inputs, actual, forecast = _windows(count=2)
    columns = ["open", "close"]
    figure = forecast_figure(inputs, actual, forecast, titles=columns, ylabel=columns)
    assert [ax.get_ylabel() for ax in figure.axes] == columns


def test_daily_steps_are_labelled_by_day(tmp_path):
    pytest.importorskip("matplotlib")
    from datetime import datetime

    from keras_nhits.training.plotting import forecast_figure

    inputs, actual, forecast = _windows(count=1, input_size=30, horizon=7)
    days = np.datetime64("2024-01-01") + np.arange(37)
    figure = forecast_figure(inputs, actual, forecast, times=days[None, :])
    figure.canvas.draw()
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
    assert labels and all(datetime.strptime(x, "%Y-%m-%d") for x in labels)


def test_too_many_panels_is_an_input_error(tmp_path):
    from keras_nhits.training.plotting import MAX_PANELS

    inputs, actual, forecast = _windows(count=MAX_PANELS + 1)
    with pytest.raises(NHITSInputError, match="max_panels"):
        plot_forecasts(tmp_path / "x.png", inputs, actual, forecast, max_panels=MAX_PANELS + 1)
    with pytest.raises(NHITSInputError, match="times"):
        plot_forecasts(tmp_path / "x.png", inputs, actual, forecast, times=_dated(2))


@pytest.mark.filterwarnings("error")
def test_a_default_sized_hourly_window_draws_without_a_locator_warning():
    # 48 + 12 hours made Matplotlib's AutoDateLocator(maxticks=6) warn on every training run.
    pytest.importorskip("matplotlib")
    from keras_nhits.training.plotting import forecast_figure

    inputs, actual, forecast = _windows(count=1, input_size=48, horizon=12)
    hours = np.datetime64("2024-01-01T00:00") + np.arange(60) * np.timedelta64(1, "h")
    forecast_figure(inputs, actual, forecast, times=hours[None, :]).canvas.draw()


# === Prediction intervals ===


def _bands(forecast, widths=(("80 %", 0.5), ("50 %", 0.2))):
    """Symmetric bands around `forecast`, widest first."""
    return [(label, forecast - w, forecast + w) for label, w in widths]


def test_without_bands_the_png_is_byte_identical(tmp_path):
    pytest.importorskip("matplotlib")
    inputs, actual, forecast = _windows(count=2)
    options = {"times": _dated(2), "baseline": np.repeat(inputs[:, -1:], 4, axis=1)}
    plain, none, empty = tmp_path / "plain.png", tmp_path / "none.png", tmp_path / "empty.png"
    plot_forecasts(plain, inputs, actual, forecast, **options)
    plot_forecasts(none, inputs, actual, forecast, bands=None, **options)
    plot_forecasts(empty, inputs, actual, forecast, bands=[], **options)
    assert plain.read_bytes() == none.read_bytes() == empty.read_bytes()


def test_a_band_adds_one_shaded_area_per_panel_named_in_the_legend():
    pytest.importorskip("matplotlib")
    from matplotlib.collections import PolyCollection

    from keras_nhits.training.plotting import forecast_figure

    inputs, actual, forecast = _windows(count=3)

    def shaded(figure):
        return [sum(isinstance(c, PolyCollection) for c in ax.collections) for ax in figure.axes]

    without = forecast_figure(inputs, actual, forecast, max_panels=3)
    band = _bands(forecast, widths=(("80 %", 0.5),))
    with_band = forecast_figure(inputs, actual, forecast, max_panels=3, bands=band)
    assert shaded(with_band) == [n + 1 for n in shaded(without)]
    for ax in with_band.axes:
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["history", "actual", "forecast", "80 % interval"]


def test_band_vertices_span_lower_to_upper_over_the_horizon_in_the_forecast_colour():
    pytest.importorskip("matplotlib")
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba

    from keras_nhits.training.plotting import LINE_STYLES, forecast_figure

    inputs = np.zeros((1, 3))
    actual = np.array([[1.0, 2.0]])
    forecast = np.array([[1.5, 2.5]])
    lower, upper = np.array([[-1.0, 0.5]]), np.array([[3.0, 7.0]])
    figure = forecast_figure(
        inputs, actual, forecast, bands=[("90 %", lower - 1, upper + 1), ("50 %", lower, upper)]
    )
    wide, narrow = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
    vertices = narrow.get_paths()[0].vertices
    assert vertices[:, 1].min() == -1.0 and vertices[:, 1].max() == 7.0
    # Over the forecast's steps (0 and 1; the last history step is -1), not the history.
    assert vertices[:, 0].min() == 0.0 and vertices[:, 0].max() == 1.0
    wide_y = wide.get_paths()[0].vertices[:, 1]
    assert wide_y.min() == -2.0 and wide_y.max() == 8.0
    colour = to_rgba(LINE_STYLES["forecast"]["color"])[:3]
    assert tuple(wide.get_facecolor()[0][:3]) == pytest.approx(colour)
    assert wide.get_alpha() < narrow.get_alpha()


def test_bands_on_dated_panels_use_the_dates():
    pytest.importorskip("matplotlib")
    from matplotlib.collections import PolyCollection
    from matplotlib.dates import date2num

    from keras_nhits.training.plotting import forecast_figure

    inputs, actual, forecast = _windows(count=1)
    times = _dated(1)
    figure = forecast_figure(inputs, actual, forecast, times=times, bands=_bands(forecast)[:1])
    (band,) = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
    x = band.get_paths()[0].vertices[:, 0]
    assert x.min() == pytest.approx(date2num(times[0, 12]))
    assert x.max() == pytest.approx(date2num(times[0, -1]))


@pytest.mark.parametrize(
    "band, match",
    [
        (lambda f: ("80 %", f[:, :2], f), r"'80 %'.*\(6, 2\)"),
        (lambda f: ("50 %", f, f[:3]), r"'50 %'.*\(3, 4\)"),
        (lambda f: ("80 %", f), "label, lower, upper"),
    ],
)
def test_a_band_not_shaped_like_the_forecast_is_an_input_error(tmp_path, band, match):
    inputs, actual, forecast = _windows()
    with pytest.raises(NHITSInputError, match=match):
        plot_forecasts(tmp_path / "x.png", inputs, actual, forecast, bands=[band(forecast)])
    assert not (tmp_path / "x.png").exists()


def test_panel_arguments_picks_the_drawn_windows_of_each_band():
    from keras_nhits.data import load_series, prepare_splits, window_arrays
    from keras_nhits.training.forecast_panels import last_window_of, panel_arguments
    from tests.synthetic import seasonal_frame

    raw = load_series(seasonal_frame(steps=200))
    splits = prepare_splits(raw, input_size=24, horizon=6)
    inputs, actual = window_arrays(raw, splits.test, 24, 6)
    forecasts = actual + 0.1
    shown = [0, 1]
    lower, upper = forecasts - np.arange(len(forecasts))[:, None], forecasts + 1.0
    windows, options = panel_arguments(raw, splits, shown, splits.test, inputs, actual, forecasts)
    assert "bands" not in options
    banded, with_bands = panel_arguments(
        raw, splits, shown, splits.test, inputs, actual, forecasts, bands=[("80 %", lower, upper)]
    )
    assert {k: v for k, v in with_bands.items() if k != "bands"}.keys() == options.keys()
    picks = last_window_of(raw, splits.test, shown)
    assert len(set(picks.tolist())) == 2  # two different windows, so a wrong pick would show
    ((label, lo, hi),) = with_bands["bands"]
    assert label == "80 %"
    np.testing.assert_array_equal(lo, lower[picks])
    np.testing.assert_array_equal(hi, upper[picks])
    np.testing.assert_array_equal(banded[2], windows[2])
    with pytest.raises(NHITSInputError, match="80 %"):
        panel_arguments(
            raw,
            splits,
            shown,
            splits.test,
            inputs,
            actual,
            forecasts,
            bands=[("80 %", lower[:1], upper)],
        )
