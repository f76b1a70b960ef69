"""Walk-forward refits: the model retrained every K cutoffs on the data up to that cutoff.

A backtest with `refit=K` forecasts its cutoffs in groups of K (by cutoff number, earliest
first). Before each group the model is trained further on every window whose targets end at or
before the group's first cutoff, series by series: all of the series up to there (an expanding
window) or only its last `train_length` steps (a rolling one). Training continues from the
previous weights (the trained run's, for the first group) for exactly `steps` optimizer steps of
the run's batch size, with the run's optimizer settings, loss and seed; the run's series scaler
stays as it is, so the forecasts come back in raw units through the serving path unchanged.

So no refit reads a value after its cutoff, and a forecast at a later cutoff of the group uses a
model that has seen less than its input window does. What the trained run itself saw before the
first cutoff is the caller's to choose: train it on data that ends before the backtest starts
for an out-of-sample walk forward (docs/backtesting.md).

The trained model is never changed: the refits train a copy of it.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from keras_nhits.data.scaling import SeriesScaler
from keras_nhits.errors import NHITSInputError, check_int
from keras_nhits.serving.window_forecasts import scaler_rows

DEFAULT_REFIT_STEPS = 100


@dataclass(frozen=True)
class RefitPlan:
    """When and how long the walk forward retrains.

    Attributes:
        every: refit before every `every`-th cutoff (1: before each).
        train_length: the steps up to each cutoff that a refit trains on; 0 for all of them.
        steps: optimizer steps per refit.
    """

    every: int
    train_length: int = 0
    steps: int = DEFAULT_REFIT_STEPS


def refit_plan(refit, train_length=None, steps=DEFAULT_REFIT_STEPS, window=None):
    """The `RefitPlan` of the `cross_validation` arguments, or None for `refit=False`.

    `refit=True` is `refit=1`; `train_length=None` an expanding window. `window` is the model's
    `input_size + horizon`: a rolling window must hold one training window. Raises
    `NHITSInputError` naming the argument for anything else.
    """
    if refit is False or refit is None or (refit == 0 and not isinstance(refit, bool)):
        if train_length is not None:
            raise NHITSInputError("train_length needs refit: it sets what each refit trains on")
        return None
    every = 1 if refit is True else check_int("refit", refit, 1)
    steps = check_int("refit_steps", steps, 1)
    if train_length is None:
        return RefitPlan(every, 0, steps)
    low = window or 1
    train_length = check_int("train_length", train_length, low)
    return RefitPlan(every, train_length, steps)


@dataclass
class WalkForward:
    """A copy of a trained model that the backtest refits as it walks forward.

    Build it with `walk_forward(...)`; `groups` retrains it before each group of cutoffs and
    yields what to forecast them with. `refits` records each refit for the backtest's record.
    """

    model: object
    forecaster: object
    config: object
    plan: RefitPlan
    log: object = print
    refits: list = field(default_factory=list)

    def groups(self, series_set, windows):
        """Yields `(forecaster, rows)` for each group of `plan.every` cutoff numbers, after
        refitting the model on the data up to the group's first cutoff; `rows` index `windows`.
        """
        scaled = _scaled(series_set, self.forecaster.scaler)
        n_windows = int(windows.rank.max()) + 1 if len(windows) else 0
        n_groups = math.ceil(n_windows / self.plan.every)
        for group in range(n_groups):
            first = group * self.plan.every
            cutoffs = windows.cutoffs[windows.rank == first]  # one per series, in order
            last = first + self.plan.every
            self._refit(scaled, cutoffs, group, n_groups, (first, min(last, n_windows) - 1))
            yield self.forecaster, np.flatnonzero((windows.rank >= first) & (windows.rank < last))

    def _refit(self, scaled, cutoffs, group, n_groups, served):
        """Trains the copy on the windows up to `cutoffs`; `served` are the numbers (0 the
        earliest) of the first and last cutoff it then forecasts, for the record."""
        from keras_nhits.data import make_dataset

        cfg, plan = self.config, self.plan
        starts = training_starts(scaled, cutoffs, cfg.input_size, cfg.horizon, plan.train_length)
        if starts.size == 0:
            raise NHITSInputError(
                f"refit {group + 1} has no training window: a series needs input_size + horizon "
                f"= {cfg.input_size + cfg.horizon} steps up to its cutoff"
                + (f" within train_length={plan.train_length}" if plan.train_length else "")
                + "; lower n_windows or step_size"
            )
        data = make_dataset(
            scaled,
            starts,
            input_size=cfg.input_size,
            horizon=cfg.horizon,
            batch_size=cfg.batch_size,
            shuffle=True,
            seed=(cfg.seed + group) % (2**31),
            windows_per_epoch=plan.steps * cfg.batch_size,
        )
        history = self.model.fit(data, epochs=1, verbose=0, shuffle=False)
        loss = float(history.history["loss"][-1])
        if not math.isfinite(loss):
            raise NHITSInputError(
                f"refit {group + 1} diverged (loss {loss}); lower the run's lr or refit_steps"
            )
        self.refits.append(
            {"cutoffs": list(served), "windows": int(starts.size), "loss": round(loss, 6)}
        )
        self.log(
            f"refit {group + 1}/{n_groups}: {plan.steps} steps on {starts.size} windows, "
            f"loss {loss:.4g}"
        )

    def summary(self):
        """The record of the walk forward: the plan and each refit's windows and final loss."""
        return {
            "every": self.plan.every,
            "train_length": self.plan.train_length or None,
            "steps": self.plan.steps,
            "refits": self.refits,
        }


def training_starts(series_set, cutoffs, input_size, horizon, train_length=0):
    """The starts (into `series_set.values`) of every window whose targets end at or before each
    series' cutoff (`cutoffs[i]`, a position in series i) and, with `train_length`, that lies
    within the last `train_length` steps up to it; int64, series by series.

    Example:
        >>> import numpy as np
        >>> from keras_nhits.data import load_series
        >>> s = load_series(np.arange(20.0))
        >>> training_starts(s, np.array([9]), input_size=4, horizon=2).tolist()
        [0, 1, 2, 3, 4]
        >>> training_starts(s, np.array([9]), 4, 2, train_length=7).tolist()
        [3, 4]
    """
    parts = []
    span = input_size + horizon
    for i, cutoff in enumerate(np.asarray(cutoffs, dtype=np.int64)):
        last = int(cutoff) - span + 1
        first = max(0, int(cutoff) - train_length + 1) if train_length else 0
        if last >= first:
            parts.append(series_set.offsets[i] + np.arange(first, last + 1, dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def walk_forward(model, config, record, source, plan, log=print):
    """A `WalkForward` refitting a copy of `model` (a trained NHITS) with its run's `config`
    (an `NHITSTrainingConfig`) and `record` (config.json's sections), or None without a plan.

    Raises `NHITSInputError` for a model with conformal intervals: their calibration comes from
    the run's validation split, which a refit would leave behind.
    """
    if plan is None:
        return None
    from keras_nhits.serving.forecaster import forecaster_from_record

    if model.model_config.conformal:
        raise NHITSInputError(
            f"{source}: a model with conformal intervals cannot be refit (its calibration "
            "belongs to the run's validation split); backtest it without refit"
        )
    from keras_nhits.training.optimization import compiled_copy

    copy = compiled_copy(model, config)
    forecaster = forecaster_from_record(copy, record, source)
    return WalkForward(copy, forecaster, config, plan, log)


def _scaled(series_set, scaler):
    """`series_set` scaled by the run's series scaler (its rows picked by series id), as the
    run's training windows were."""
    if scaler is None or scaler.method == "none":
        return series_set
    rows = scaler_rows(scaler, series_set.ids)
    picked = SeriesScaler(scaler.method, scaler.shift[rows], scaler.scale[rows], series_set.ids)
    return picked.apply(series_set)
