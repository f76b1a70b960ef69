"""Probabilistic forecasts: which quantiles a model emits, their loss, scores and calibration.

- `levels.py`: `--quantiles` and `--level` as checked tuples, and the forecast columns they name;
- `losses.py`: the multi-quantile pinball loss the quantile head trains with;
- `scores.py`: pinball loss, scaled CRPS, interval coverage, width and Winkler score (NumPy);
- `conformal.py`: split-conformal offsets per horizon step, from validation windows only.

The quantile head itself is `keras_nhits.layers.MonotoneQuantiles`.
"""
