"""The Python API: `NHITSTrainer` on a DataFrame, then the model as a plain Keras model.

python examples/programmatic_api.py [WORKDIR]
"""

import pathlib
import sys
import tempfile

import keras
import numpy as np
import polars as pl

from keras_nhits import NHITSTrainer, NHITSTrainingConfig


def daily_prices(days=1500, seed=1):
    """A business-day price series (Monday to Friday): a random walk with a weekly pattern.

    The trainer reads these dates as business days: no weekend gaps, season 5 for the seasonal
    naive baseline, forecasts continued from Friday to Monday.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    price = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, days))) + 0.5 * np.sin(2 * np.pi * t / 5)
    dates = np.busday_offset(np.datetime64("2019-01-01"), t, roll="forward")
    return pl.DataFrame({"date": dates, "close": price})


def main():
    workdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    config = NHITSTrainingConfig(
        target="close",
        input_size=60,
        horizon=10,
        hidden_size=64,
        epochs=5,
        windows_per_epoch=2048,
        quiet=True,
        overwrite=True,
        output=str(workdir / "run"),
    )
    model, metrics = NHITSTrainer(config).fit(daily_prices())
    print("test:", {k: round(v, 4) for k, v in metrics["test"].items() if v is not None})

    # The trained model is an ordinary keras.Model taking and returning raw prices.
    history = daily_prices()["close"].to_numpy()[-60:].astype("float32")[None]
    forecast = keras.ops.convert_to_numpy(model(history))[0]
    parts = keras.ops.convert_to_numpy(model.decompose(history))[0]  # level + one row per stack
    print("next 10 closes:", np.round(forecast, 2))
    print("stack contributions at step 10:", np.round(parts[:, -1], 3))

    reloaded = NHITSTrainer.load(workdir / "run")  # safetensors + JSON, no pickle
    same = keras.ops.convert_to_numpy(reloaded.model(history))[0]
    print("reloaded model agrees:", bool(np.allclose(same, forecast, rtol=1e-5)))


if __name__ == "__main__":
    main()
