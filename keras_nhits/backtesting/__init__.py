"""Backtesting: rolling-origin forecasts of a trained model, laid out long and scored.

`cutoffs` places the cutoffs (as window start indices, never copies), `cross_validation`
forecasts them through the serving path in batched passes, `report` scores them against the
naive baselines of the same windows, `refit` retrains a copy of the model as the backtest walks
forward (`refit=K`), `backtest` runs them on a user's data, and `frames` hands pandas users
pandas back. `NHITSTrainer.cross_validation` and `python -m
keras_nhits.backtest` are built on `run_backtest`.

Import the modules themselves: this file imports nothing, so no backend loads with it.
"""
