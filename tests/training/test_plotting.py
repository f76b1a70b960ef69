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
