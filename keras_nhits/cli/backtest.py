"""`python -m keras_nhits.backtest`: rolling-origin forecasts of a trained model, scored.

    python -m keras_nhits.backtest --model RUN_DIR_OR_SAVEDMODEL --data FILE --n-windows N
        [--step-size S] [--refit K [--train-length T] [--refit-steps N]]
        [--output FILE.csv|.parquet]

Reads the data as predict does (the run's columns and reader settings; flags override them),
forecasts `--n-windows` cutoffs per series, `--step-size` steps apart, the latest forecast ending
on each series' last value (with `--refit K`, a copy of a run folder's model retrained before
every K-th cutoff on the data up to it, warm-started, `--refit-steps` steps each, on the last
`--train-length` steps or all of them), and writes the long forecasts: (the id column,) the time
column, `cutoff`, the actual `y` and the forecast columns predict writes. Beside `--output` go
`NAME.backtest.json` (MAE, MSE, ... overall, per cutoff and per series, for the model and the
naive and seasonal-naive forecasts of the same cutoffs; a quantile model's coverage) and
`NAME.backtest.png` (the error by cutoff, one series' forecasts over time; needs matplotlib).
Without `--output` the forecasts go to stdout as CSV and the summary to stderr.

Each of the three files is new or one a backtest wrote (a CSV with the backtest's header, a
Parquet file, JSON record or PNG carrying its marker), never a file the command reads. Bad
input: one line on stderr, exit 2, nothing written.
"""

import argparse
import json
import os
import sys

from keras_nhits.backtesting.config import BacktestConfig
from keras_nhits.cli.common import config_from_argv, run, start_backend_quietly
from keras_nhits.cli.predict import check_output, has_forecast_layout
from keras_nhits.errors import NHITSInputError

PROG = "python -m keras_nhits.backtest"
DESCRIPTION = __doc__.split("\n\n")[0]
# Key-value metadata of a Parquet backtest file, and the fields of its JSON record: how the
# backtest recognises the files it may replace.
MARKER = {"written_by": "keras_nhits", "kind": "backtest"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_RECORD_BYTES = 1 << 28  # per-series scores of 100,000 series stay far below


def main(argv):
    config = config_from_argv(
        BacktestConfig, argv, PROG, DESCRIPTION, formatter_class=argparse.HelpFormatter
    )
    return backtest(config)


def backtest(config):
    """Runs the command for a `BacktestConfig`."""
    if config.output:
        check_outputs(config)
    start_backend_quietly()
    from keras_nhits.backtesting.backtest import run_backtest
    from keras_nhits.serving.forecast_data import forecast_reader_options
    from keras_nhits.serving.forecaster import csv_time_format, load_forecaster

    forecaster = load_forecaster(config.model)
    walker = _walk_forward(config, forecaster) if config.refit else None
    options = forecast_reader_options(forecaster, **config.reader_overrides())
    result = run_backtest(
        forecaster,
        config.data,
        config.n_windows,
        config.step_size,
        config.season_length,
        options,
        walk_forward=walker,
    )
    plotted = _plotted_series(result.series, config.plot_series)
    report = sys.stderr if not config.output else sys.stdout
    for line in result.series.report:
        print(line, file=report)
    frame = result.frame
    time_format = csv_time_format(frame, result.series.columns.get("time") or "ds")
    if not config.output:
        sys.stdout.write(frame.write_csv(datetime_format=time_format))
        print(summary_line(result.record), file=sys.stderr)
        return 0
    write_outputs(config, result, time_format, plotted)
    print(summary_line(result.record))
    return 0


def _walk_forward(config, forecaster):
    """The `WalkForward` of `--refit`: the run folder's model and training config, which a
    SavedModel or a `.keras` file does not carry."""
    from keras_nhits.backtesting.refit import refit_plan, walk_forward
    from keras_nhits.saving.safetensors import CONFIG_FILE
    from keras_nhits.training.trainer import NHITSTrainer

    if not os.path.isfile(os.path.join(config.model, CONFIG_FILE)):
        raise NHITSInputError(
            f"--refit needs a run folder (its training config and weights); {config.model} is "
            "not one: pass the folder python -m keras_nhits.train wrote"
        )
    trainer = NHITSTrainer.load(config.model)
    plan = refit_plan(
        config.refit,
        config.train_length or None,
        config.refit_steps,
        forecaster.input_size + forecaster.horizon,
    )
    log = (lambda line: print(line, file=sys.stderr)) if not config.output else print
    return walk_forward(trainer.model, trainer.config, trainer.record, config.model, plan, log)


def summary_line(record):
    """One line: the windows, and the model's MAE beside the baselines'."""
    overall = record["overall"]
    parts = [
        f"{name.replace('_', ' ')} {_number(scores['mae'])}" for name, scores in overall.items()
    ]
    return (
        f"backtest: {record['windows']} windows ({record['n_series']} series x "
        f"{record['n_windows']} cutoffs, step {record['step_size']}); MAE " + ", ".join(parts)
    )


def _number(value):
    return "n/a" if value is None else f"{value:.4g}"


def _plotted_series(series, name):
    if not name:
        return 0
    if name not in series.ids:
        raise NHITSInputError(
            f"--plot-series {name!r} is not a series of the data; choose one of "
            f"{', '.join(map(str, series.ids[:5]))}"
        )
    return series.ids.index(name)


def write_outputs(config, result, time_format, plotted):
    """The forecasts, the record and the picture, each written atomically."""
    from keras_nhits.backtesting.plot import plot_backtest
    from keras_nhits.saving.atomic import atomic_output, write_json_atomic

    record_path, picture = config.side_files()
    try:
        with atomic_output(config.output) as temp:
            if config.output.endswith(".parquet"):
                result.frame.write_parquet(temp, metadata=MARKER)
            else:
                result.frame.write_csv(temp, datetime_format=time_format)
        write_json_atomic(record_path, {**MARKER, "model": config.model, **result.record})
        drawn = plot_backtest(picture, result, plotted)
    except OSError as error:
        raise NHITSInputError(
            f"--output {config.output} cannot be written ({error.strerror or error}): choose a "
            "file in a folder you can write to"
        ) from None
    print(f"wrote {result.frame.height} forecasts to {config.output}, scores to {record_path}")
    if drawn:
        print(f"wrote {picture}")
    else:
        if os.path.isfile(picture):
            os.remove(picture)  # an earlier backtest's picture (checked to be ours)
        print(
            f"{os.path.basename(picture)} skipped: install matplotlib (pip install "
            "keras-nhits[plot])"
        )


# === Output checks ===


def check_outputs(config):
    """Refuses outputs the backtest must not write, before the model or data are read."""
    check_output(config.output, config.data, is_ours=is_backtest_file, owner=OWNER)
    record_path, picture = config.side_files()
    check_output(
        record_path,
        config.data,
        is_ours=is_backtest_record,
        owner="a record a backtest wrote",
        formats=(),
    )
    check_output(
        picture,
        config.data,
        is_ours=is_backtest_picture,
        owner="a picture a backtest wrote",
        formats=(),
    )
    from keras_nhits.saving.ownership import refuse_overlap

    for path in (config.output, record_path, picture):
        refuse_overlap(path, [config.model], "--output", "the model it reads")


OWNER = "a forecast file a backtest wrote"


def is_backtest_file(path):
    """Whether `path` is a forecasts file a backtest wrote: Parquet with `MARKER`, or a CSV
    whose header is (id,) time, cutoff, y, forecast and forecast-... columns."""
    return has_forecast_layout(path, MARKER, (b"cutoff", b"y", b"forecast"))


def is_backtest_record(path):
    """Whether `path` is a JSON record a backtest wrote (an object with `MARKER`)."""
    if not os.path.isfile(path) or os.path.getsize(path) > MAX_RECORD_BYTES:
        return False
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and all(record.get(k) == v for k, v in MARKER.items())


def is_backtest_picture(path):
    """Whether `path` is a PNG a backtest drew: a `Software` text chunk of `PNG_SOFTWARE`
    among its chunks before the image data."""
    from keras_nhits.backtesting.plot import PNG_SOFTWARE

    wanted = b"Software\x00" + PNG_SOFTWARE.encode()
    try:
        with open(path, "rb") as handle:
            if handle.read(8) != PNG_SIGNATURE:
                return False
            while True:
                head = handle.read(8)
                if len(head) < 8:
                    return False
                size, kind = int.from_bytes(head[:4], "big"), head[4:]
                if kind == b"IDAT" or size > 1 << 20:
                    return False
                body = handle.read(size)
                handle.read(4)  # the chunk's CRC
                if kind == b"tEXt" and body == wanted:
                    return True
    except OSError:
        return False


def run_command(argv=None):
    """`python -m keras_nhits.backtest ARGV` (or `keras-nhits backtest ARGV`): the exit code."""
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(run_command())
