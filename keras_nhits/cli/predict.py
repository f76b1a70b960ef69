"""`python -m keras_nhits.predict`: forecast the next `horizon` steps after every series in a file.

    python -m keras_nhits.predict --model RUN_DIR_OR_SAVEDMODEL --data FILE [--output FILE.csv]
        [--future FUTURE.csv]

Reads the file with the same reader and validation as training, with the settings the model was
trained with (target, time and id columns, fill, gaps, freq: from the run folder's config.json,
the SavedModel's keras_nhits.json or the config.json next to a .keras file; flags override them)
and writes long-format forecasts: the id column when there are several series, the time column
continued at each series' step (dates stay dates, whole seconds stay whole), and `forecast` at
the model's float32 precision; a quantile model adds its quantiles (`forecast-lo-80`,
`forecast-hi-80`, ... for a run trained with --level, else `forecast-q0.1`, ...), `forecast`
being its median. Without `--output` the CSV goes to stdout.

A model with covariates reads the run's covariate columns from the data (historical and
future-known ones over the input window), computes its calendar features, takes each series'
static values from the run record, and reads the future-known values over the horizon from
`--future FILE` (checked row by row before the model runs: see `serving/future_values.py`).

`--output` is a new file in an existing folder, or a forecast file predict wrote (a CSV whose
header is the forecast columns, a Parquet file carrying predict's metadata), never a file the
command reads. Bad input: one line on stderr, exit 2, nothing written.
"""

import argparse
import glob
import os
import sys

from keras_nhits.cli.common import check_output_parent, config_from_argv, run, start_backend_quietly
from keras_nhits.errors import NHITSInputError
from keras_nhits.serving.config import PredictConfig

PROG = "python -m keras_nhits.predict"
DESCRIPTION = __doc__.split("\n\n")[0]
OUTPUT_FORMATS = (".csv", ".parquet")
# Key-value metadata of a Parquet forecast file: how predict recognises a file it may replace.
PARQUET_MARKER = {"written_by": "keras_nhits", "kind": "forecast"}
# A forecast CSV's header is (id,) time, forecast and a quantile model's forecast-... columns: a
# short first line.
MAX_HEADER_BYTES = 4096


def main(argv):
    # argparse's own formatter: the one-line description is wrapped to the terminal.
    config = config_from_argv(
        PredictConfig, argv, PROG, DESCRIPTION, formatter_class=argparse.HelpFormatter
    )
    return predict(config)


def predict(config):
    """Runs the command for a `PredictConfig`: forecasts to `config.output` or stdout."""
    output = config.output
    if output:
        check_output(output, config.data, config.future)
    start_backend_quietly()
    from keras_nhits.serving.forecast_data import load_forecast_data
    from keras_nhits.serving.forecaster import (
        check_future,
        csv_time_format,
        forecast_frame,
        load_forecaster,
    )

    forecaster = load_forecaster(config.model)
    check_future(forecaster, config.future)  # before the data is read and its report printed
    options = config.reader_options(forecaster.data_options)
    series = load_forecast_data(forecaster, config.data, options)
    for line in series.report:
        print(line, file=sys.stderr if not output else sys.stdout)
    time_col = series.columns.get("time") or "ds"
    frame = forecast_frame(
        forecaster,
        series,
        id_col=series.columns.get("id") or "unique_id",
        time_col=time_col,
        future=config.future or None,
    )
    time_format = csv_time_format(frame, time_col)
    if not output:
        sys.stdout.write(frame.write_csv(datetime_format=time_format))
        return 0
    write_forecasts(frame, output, time_format)
    print(f"wrote {frame.height} forecasts of {series.n_series} series to {output}")
    return 0


def write_forecasts(frame, output, time_format):
    """Writes `frame` to `output` atomically, with the marker that makes it predict's file."""
    from keras_nhits.saving.atomic import atomic_output

    try:
        with atomic_output(output) as temp:
            if output.endswith(".parquet"):
                frame.write_parquet(temp, metadata=PARQUET_MARKER)
            else:
                frame.write_csv(temp, datetime_format=time_format)
    except OSError as error:
        raise NHITSInputError(
            f"--output {output} cannot be written ({error.strerror or error}); nothing was "
            "written: choose a file in a folder you can write to"
        ) from None


# === Output checks ===


def check_output(
    output,
    data,
    future="",
    is_ours=None,
    owner="a forecast file predict wrote",
    formats=OUTPUT_FORMATS,
):
    """Refuses an `--output` predict (or the backtest) must not write, before the model or
    data are read: an unknown format, a folder, a file the command reads or one inside the
    data folder, a folder that cannot be written, an existing file that `is_ours` (default
    `is_forecast_file`) does not recognise as `owner`."""
    from keras_nhits.saving.ownership import is_within, refuse_overlap

    is_ours = is_forecast_file if is_ours is None else is_ours
    if formats and not output.endswith(formats):
        raise NHITSInputError(
            f"--output {output}: unknown format; use a .csv or .parquet file name"
        )
    if os.path.isdir(output):
        raise NHITSInputError(
            f"--output {output} is a folder; name a .csv or .parquet file for the forecasts"
        )
    refuse_overlap(output, data_files(data), "--output", "the data it reads")
    if future:
        refuse_overlap(output, [future], "--output", "the future file it reads")
    if os.path.isdir(data) and is_within(output, data):
        raise NHITSInputError(
            f"--output {output} is inside the data folder {data}, whose files are all read as "
            "data; nothing was written: choose a file outside it"
        )
    check_output_parent(output, makes_parents=False)
    if os.path.lexists(output) and not is_ours(output):
        raise NHITSInputError(
            f"--output {output} exists and is not {owner}; nothing was changed: choose a new "
            "file name or remove it yourself"
        )


def data_files(data):
    """The files `--data` names (a file, every file under a folder, a glob's matches)."""
    if any(ch in data for ch in "*?["):
        return [f for f in glob.glob(data, recursive=True) if os.path.isfile(f)]
    if os.path.isdir(data):
        return [os.path.join(root, n) for root, _, names in os.walk(data) for n in names]
    return [data]


def is_forecast_file(path):
    """Whether `path` is a forecast file predict wrote (see the module docstring)."""
    return has_forecast_layout(path, PARQUET_MARKER, (b"forecast",))


def has_forecast_layout(path, marker, fixed):
    """Whether `path` is a Parquet file whose key-value metadata holds `marker`, or a CSV
    whose header is (id,) time, the `fixed` column names, then only a quantile model's
    forecast-... columns: how predict and the backtest recognise the files they wrote."""
    if not os.path.isfile(path):
        return False
    if path.endswith(".parquet"):
        import polars as pl

        try:
            metadata = pl.read_parquet_metadata(path)
        except Exception:  # not Parquet, truncated, unreadable: not a file of ours
            return False
        return all(metadata.get(k) == v for k, v in marker.items())
    try:
        with open(path, "rb") as handle:
            header = handle.read(MAX_HEADER_BYTES).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError:
        return False
    names = header.split(b",")
    if not all(names) or fixed[0] not in names[1:3]:
        return False
    at = names.index(fixed[0])
    if tuple(names[at : at + len(fixed)]) != tuple(fixed):
        return False
    return all(name.startswith(b"forecast-") for name in names[at + len(fixed) :])


def run_command(argv=None):
    """`python -m keras_nhits.predict ARGV` (or `keras-nhits predict ARGV`): the exit code."""
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(run_command())
