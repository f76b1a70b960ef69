"""The line a run ends with, and the facts of its history that the metrics record keeps.

`summary_line` puts the test errors beside each baseline's and says which baseline the model
loses to, so a run that learnt nothing useful says so in its last line. It reads only the
metrics record, so it works on a finished run's `metrics.json` as well.
"""

import math


def finite(value):
    """Whether `value` is a number that is neither None, NaN nor infinite."""
    return value is not None and math.isfinite(value)


def best_epoch(records, monitor):
    """The epoch (1-based) of `records` with the lowest finite `monitor`, or None."""
    scored = [(r[monitor], r["epoch"]) for r in records if finite(r.get(monitor))]
    return min(scored)[1] if scored else None


def summary_line(metrics):
    """The line a run ends with: the test errors beside each baseline's, and which it loses to."""
    test, baselines = metrics["test"], metrics["baselines"]
    named = [("naive", baselines["naive"])]
    if "seasonal_naive" in baselines:
        named.append(
            (f"seasonal naive (season {metrics['season_length']})", baselines["seasonal_naive"])
        )

    def beside(key):
        return ", ".join(f"{name} {_fmt(b[key], '.5g')}" for name, b in named)

    return (
        f"test MAE {_fmt(test['mae'], '.5g')} ({beside('mae')}), RMSE "
        f"{_fmt(test['rmse'], '.5g')} ({beside('rmse')}), MASE {_fmt(test['mase'])}; "
        f"{_verdict(test, named)}; {metrics['epochs_completed']} epochs, best "
        f"{metrics['best_epoch']}, {metrics['train_seconds']:.1f}s"
    )


def _verdict(test, named):
    """Which of the `named` baselines the model's test MAE loses to, or that it beats them."""
    lost = [name for name, b in named if _worse(test["mae"], b["mae"])]
    if lost:
        return f"worse than {' and '.join(lost)} on the test split"
    return f"beats {' and '.join(n for n, _ in named)} on the test split"


def _worse(model_mae, baseline_mae):
    # A model MAE that is None (NaN or inf) loses to any finite baseline.
    if baseline_mae is None:
        return False
    return model_mae is None or model_mae > baseline_mae


def _fmt(value, spec=".4g"):
    return "n/a" if value is None else f"{value:{spec}}"
