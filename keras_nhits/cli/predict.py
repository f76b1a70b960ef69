"""`python -m keras_nhits.predict`: forecast the next `horizon` steps after every series in a file.

    python -m keras_nhits.predict --model RUN_DIR_OR_SAVEDMODEL --data FILE [--output FILE.csv]

Reads the file with the same reader and validation as training, with the settings the model was
trained with (target, time and id columns, fill, gaps, freq: from the run folder's config.json,
the SavedModel's keras_nhits.json or the config.json next to a .keras file; flags override them)
and writes long-format forecasts: the id column when there are several series, the time column
continued at each series' step (dates stay dates, whole seconds stay whole), and `forecast` at
the model's float32 precision. Without `--output` the CSV goes to stdout.

`--output` is a new file in an existing folder, or a forecast file predict wrote (a CSV whose
header is the forecast columns, a Parquet file carrying predict's metadata), never a file the
command reads. Bad input: one line on stderr, exit 2, nothing written.
"""

import argparse
import glob
import os
import sys

from keras_nhits.cli.common import run, start_backend_quietly
from keras_nhits.config import FILL_MODES, GAP_MODES
from keras_nhits.errors import NHITSInputError

OUTPUT_FORMATS = (".csv", ".parquet")
# Key-value metadata of a Parquet forecast file: how predict recognises a file it may replace.
PARQUET_MARKER = {"written_by": "keras_nhits", "kind": "forecast"}
# A forecast CSV's header is at most (id,) time, forecast: a short first line.
MAX_HEADER_BYTES = 4096


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m keras_nhits.predict",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--model", required=True, help="run folder, SavedModel folder or .keras")
    parser.add_argument("--data", required=True, help="CSV/Parquet file, folder or glob")
    parser.add_argument(
        "--output",
        default="",
        help="forecast file (.csv or .parquet) (default: CSV on stdout)",
    )
    parser.add_argument("--target", default=None, help="target column(s) (default: the run's)")
    parser.add_argument("--time-col", default=None, help="time column (default: the run's)")
    parser.add_argument("--id-col", default=None, help="id column (default: the run's)")
    parser.add_argument(
        "--fill",
        default=None,
        choices=FILL_MODES,
        help="missing target values (default: the run's, else error)",
    )
    parser.add_argument(
        "--gaps",
        default=None,
        choices=GAP_MODES,
        help="gaps in the time index (default: the run's, else warn)",
    )
    parser.add_argument(
        "--freq",
        default=None,
        help="step of the time index, as train --freq: h, 30min, D, B (business days), W, MS, "
        "ME, QS, YS or a Polars duration (default: the run's, else inferred per series)",
    )

    def error(message):
        parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")

    parser.error = error
    return parser


def main(argv):
    args = build_parser().parse_args(argv)
    output = args.output
    if output:
        check_output(output, args.data)
    start_backend_quietly()
    from keras_nhits.data import load_series
    from keras_nhits.serving.forecaster import csv_time_format, forecast_frame, load_forecaster

    forecaster = load_forecaster(args.model)
    options = {"target": "", "time_col": "", "id_col": "", "fill": "error", "gaps": "warn"}
    options["freq"] = ""
    options.update(forecaster.data_options)
    for name in options:
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    series = load_series(args.data, **options)
    for line in series.report:
        print(line, file=sys.stderr if not output else sys.stdout)
    time_col = series.columns.get("time") or "ds"
    frame = forecast_frame(
        forecaster, series, id_col=series.columns.get("id") or "unique_id", time_col=time_col
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


def check_output(output, data):
    """Refuses an `--output` predict must not write, before the model or data are read."""
    from keras_nhits.saving.ownership import refuse_overlap

    if not output.endswith(OUTPUT_FORMATS):
        raise NHITSInputError(
            f"--output {output}: unknown format; use a .csv or .parquet file name"
        )
    if os.path.isdir(output):
        raise NHITSInputError(
            f"--output {output} is a folder; name a .csv or .parquet file for the forecasts"
        )
    refuse_overlap(output, data_files(data), "--output", "the data it reads")
    if os.path.isdir(data) and _inside(output, data):
        raise NHITSInputError(
            f"--output {output} is inside the data folder {data}, whose files are all read as "
            "data; nothing was written: choose a file outside it"
        )
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise NHITSInputError(
            f"--output {output}: folder {folder} does not exist; create it or choose another "
            "--output"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise NHITSInputError(
            f"--output {output} cannot be written: folder {folder} is read-only; nothing was "
            "written: choose a folder you can write to"
        )
    if os.path.lexists(output) and not is_forecast_file(output):
        raise NHITSInputError(
            f"--output {output} exists and is not a forecast file predict wrote; nothing was "
            "changed: choose a new file name or remove it yourself"
        )


def data_files(data):
    """The files `--data` names (a file, every file under a folder, a glob's matches)."""
    if any(ch in data for ch in "*?["):
        return [f for f in glob.glob(data, recursive=True) if os.path.isfile(f)]
    if os.path.isdir(data):
        return [os.path.join(root, n) for root, _, names in os.walk(data) for n in names]
    return [data]


def _inside(path, folder):
    real, parent = os.path.realpath(path), os.path.realpath(folder)
    return real.startswith(parent.rstrip(os.sep) + os.sep)


def is_forecast_file(path):
    """Whether `path` is a forecast file predict wrote (see the module docstring)."""
    if not os.path.isfile(path):
        return False
    if path.endswith(".parquet"):
        import polars as pl

        try:
            metadata = pl.read_parquet_metadata(path)
        except Exception:  # not Parquet, truncated, unreadable: not a file of ours
            return False
        return all(metadata.get(k) == v for k, v in PARQUET_MARKER.items())
    try:
        with open(path, "rb") as handle:
            header = handle.read(MAX_HEADER_BYTES).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError:
        return False
    names = header.split(b",")
    return 2 <= len(names) <= 3 and names[-1] == b"forecast" and all(names)


def run_command(argv=None):
    """`python -m keras_nhits.predict ARGV` (or `keras-nhits predict ARGV`): the exit code."""
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(run_command())
