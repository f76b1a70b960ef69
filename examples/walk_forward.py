"""A trader's loop from Python: train on prices up to last month, backtest weekly cutoffs with
and without monthly refits, then continue the run on the month that arrived since.

python examples/walk_forward.py [WORKDIR]
"""

import pathlib
import sys
import tempfile

import numpy as np
import polars as pl

from keras_nhits import NHITSTrainer


def daily_closes(days=1000, seed=3):
    """Business-day closes (Monday to Friday): a random walk with a weekly pattern."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    close = 80 * np.exp(np.cumsum(rng.normal(0, 0.01, days))) + 0.6 * np.sin(2 * np.pi * t / 5)
    dates = np.busday_offset(np.datetime64("2021-01-04"), t, roll="forward")
    return pl.DataFrame({"date": dates, "close": close})


def main():
    workdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    prices = daily_closes()
    last_month = prices.head(prices.height - 20)

    trainer = NHITSTrainer(
        target="close",
        input_size=60,
        horizon=5,
        hidden_size=64,
        epochs=5,
        windows_per_epoch=2048,
        quiet=True,
        output=str(workdir / "close"),
        log=lambda line: None,
    )
    trainer.fit(last_month)

    # 20 weekly cutoffs over the last 100 business days of the data the run was trained on.
    fixed = trainer.backtest(last_month, n_windows=20, step_size=5)
    walked = trainer.backtest(
        last_month, n_windows=20, step_size=5, refit=4, train_length=250, refit_steps=50
    )
    overall = fixed.record["overall"]
    print(
        f"weekly backtest, MAE: model {overall['model']['mae']:.3f}, with monthly refits "
        f"{walked.record['overall']['model']['mae']:.3f}, naive {overall['naive']['mae']:.3f}"
    )
    weekdays = fixed.frame["date"].dt.weekday().unique().sort().to_list()
    assert weekdays == [1, 2, 3, 4, 5], weekdays  # business days only (Monday = 1)
    assert fixed.frame.height == 20 * 5 and len(walked.record["refit"]["refits"]) == 5

    # A month later: continue the run on the data that has arrived, from its weights.
    today = NHITSTrainer(
        init_from=str(workdir / "close"),
        epochs=2,
        quiet=True,
        output=str(workdir / "close_today"),
        log=lambda line: None,
    )
    today.fit(prices)
    assert today.config.hidden_size == 64  # the architecture came with the run
    forecast = today.predict(prices)
    print(f"continued from {today.record['init_from']['run']}; the next five closes:")
    print(forecast)


if __name__ == "__main__":
    main()
