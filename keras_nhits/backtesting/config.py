"""The settings of `python -m keras_nhits.backtest`: one dataclass, from which its CLI is generated
(as predict's and export's in `keras_nhits.serving.config`)."""

from dataclasses import dataclass, field

from keras_nhits.backtesting.refit import DEFAULT_REFIT_STEPS
from keras_nhits.errors import NHITSInputError, check_int
from keras_nhits.options import FILL_MODES, GAP_MODES, MAX_WINDOW
from keras_nhits.serving.config import (
    READER_DEFAULTS,
    check_paths,
    check_reader_settings,
    run_setting,
)

OUTPUT_FORMATS = (".csv", ".parquet")


@dataclass(frozen=True)
class BacktestConfig:
    """What `python -m keras_nhits.backtest` backtests, reads and writes.

    Args:
        model: run folder, SavedModel folder or `.keras` file (required).
        data: CSV/Parquet file, folder or glob (required): the series to backtest, their
            future-known covariates included for a model that takes some.
        n_windows: cutoffs per series (default 1), the latest forecast ending on each series'
            last value.
        step_size: steps between two cutoffs (default 1).
        output: the long forecasts (`.csv` or `.parquet`); beside it `<name>.backtest.json`
            (the scores) and `<name>.backtest.png` (the picture). Empty (the default) writes
            the forecasts as CSV on stdout and the summary on stderr.
        refit: retrain the model before every `refit`-th cutoff on the data up to it,
            warm-started (0, the default: no refit); needs a run folder as `model`.
        train_length: with `refit`, the steps up to each cutoff a refit trains on (0, the
            default: all of them).
        refit_steps: optimizer steps per refit (default 100).
        season_length: the seasonal-naive baseline's and MASE's season (0: from the step).
        plot_series: the series drawn in the picture (default the first).
        target, time_col, id_col, fill, gaps, freq: the reader settings; None (the default)
            takes the run's.

    Example:
        >>> BacktestConfig(model="runs/demo", data="prices.csv", n_windows=30).step_size
        1
    """

    model: str = field(metadata={"help": "run folder, SavedModel folder or .keras"})
    data: str = field(metadata={"help": "CSV/Parquet file, folder or glob"})
    n_windows: int = field(
        default=1, metadata={"help": "cutoffs per series, the latest ending on its last value"}
    )
    step_size: int = field(default=1, metadata={"help": "steps between two cutoffs"})
    refit: int = field(
        default=0, metadata={"help": "retrain every K cutoffs, warm-started (0: never)"}
    )
    train_length: int = field(
        default=0, metadata={"help": "with --refit: train on the last T steps (0: all)"}
    )
    refit_steps: int = field(
        default=DEFAULT_REFIT_STEPS, metadata={"help": "optimizer steps per refit"}
    )
    output: str = field(
        default="",
        metadata={
            "help": "forecast file (.csv or .parquet), with NAME.backtest.json and "
            "NAME.backtest.png beside it (default: CSV on stdout)"
        },
    )
    season_length: int = field(
        default=0, metadata={"help": "season for the seasonal-naive baseline (0: from frequency)"}
    )
    plot_series: str = field(
        default="", metadata={"help": "series id drawn in the picture (default: the first)"}
    )
    target: str | None = run_setting("target column(s) (default: the run's)")
    time_col: str | None = run_setting("time column (default: the run's)")
    id_col: str | None = run_setting("id column (default: the run's)")
    fill: str | None = run_setting(
        "missing target values (default: the run's, else error)", FILL_MODES
    )
    gaps: str | None = run_setting(
        "gaps in the time index (default: the run's, else warn)", GAP_MODES
    )
    freq: str | None = run_setting(
        "step of the time index, as train --freq (default: the run's, else inferred)"
    )

    def __post_init__(self):
        check_paths(self, ("model", "data", "output"))
        numbers = (
            ("n_windows", 1),
            ("step_size", 1),
            ("season_length", 0),
            ("refit", 0),
            ("train_length", 0),
            ("refit_steps", 1),
        )
        for name, low in numbers:
            object.__setattr__(self, name, check_int(name, getattr(self, name), low, MAX_WINDOW))
        if self.train_length and not self.refit:
            raise NHITSInputError("--train-length needs --refit: it sets what each refit trains on")
        if self.output and not self.output.endswith(OUTPUT_FORMATS):
            raise NHITSInputError(
                f"output {self.output}: unknown format; use a .csv or .parquet file name"
            )
        if not isinstance(self.plot_series, str):
            raise NHITSInputError(f"plot_series must be a series id; received {self.plot_series!r}")
        check_reader_settings(self)

    def reader_overrides(self):
        """The reader settings given here (None: the run's), for `forecast_reader_options`."""
        return {name: getattr(self, name) for name in READER_DEFAULTS}

    def side_files(self):
        """`(record, picture)`: the paths of `backtest.json` and `backtest.png` beside
        `output` (`prices.csv` -> `prices.backtest.json`, `prices.backtest.png`)."""
        stem = self.output.rsplit(".", 1)[0]
        return f"{stem}.backtest.json", f"{stem}.backtest.png"
