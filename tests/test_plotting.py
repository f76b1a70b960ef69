"""plot_forecasts writes a real PNG, and degrades to False without matplotlib."""

import os
import sys

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.plotting import plot_forecasts

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
