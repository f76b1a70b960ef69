"""Fit N-HiTS on a generated series with plain `model.fit` and compare it with a naive forecast.

Runs in well under a minute on a laptop CPU, on any Keras backend:

    KERAS_BACKEND=jax python examples/quickstart.py
"""

import keras
import numpy as np

import keras_nhits

INPUT_SIZE, HORIZON = 96, 24


def make_series(steps, seed=0):
    """A daily and a weekly cycle on a drifting level, with noise: hourly load, say."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    level = np.cumsum(rng.normal(0, 0.05, steps)) + 50
    cycles = 5 * np.sin(2 * np.pi * t / 24) + 2 * np.sin(2 * np.pi * t / 168)
    return (level + cycles + rng.normal(0, 0.5, steps)).astype("float32")


def windows(series, starts):
    idx = starts[:, None] + np.arange(INPUT_SIZE + HORIZON)
    cut = series[idx]
    return cut[:, :INPUT_SIZE], cut[:, INPUT_SIZE:]


def main():
    keras.utils.set_random_seed(0)
    series = make_series(4000)
    split = 3200
    train_x, train_y = windows(series[:split], np.arange(split - INPUT_SIZE - HORIZON + 1))
    test_x, test_y = windows(
        series, np.arange(split - INPUT_SIZE, len(series) - INPUT_SIZE - HORIZON + 1)
    )

    model = keras_nhits.NHITS(input_size=INPUT_SIZE, horizon=HORIZON, hidden_size=256)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mae")
    model.fit(train_x, train_y, batch_size=128, epochs=8, validation_split=0.1, verbose=2)

    forecast = keras.ops.convert_to_numpy(model.predict(test_x, verbose=0))
    naive = np.repeat(test_x[:, -1:], HORIZON, axis=1)
    mae, naive_mae = np.abs(forecast - test_y).mean(), np.abs(naive - test_y).mean()
    print(
        f"backend {keras.backend.backend()}: test MAE {mae:.3f}, naive MAE {naive_mae:.3f} "
        f"({100 * (1 - mae / naive_mae):.0f}% better)"
    )


if __name__ == "__main__":
    main()
