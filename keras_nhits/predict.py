"""`python -m keras_nhits.predict`: forecast the next `horizon` steps after every series in a file.

    python -m keras_nhits.predict --model RUN_DIR_OR_SAVEDMODEL --data FILE [--output FILE.csv]

Reads the file with the same reader and validation as training (the run's column settings by
default; flags override them) and writes long-format forecasts: the id column when there are
several series, the time column continued at each series' step, and `forecast`. Without
`--output` the CSV goes to stdout. Bad input: one line on stderr, exit 2, no output file.
"""

import argparse
import sys

from keras_nhits.cli import run, start_backend_quietly
from keras_nhits.config import FILL_MODES, GAP_MODES
from keras_nhits.errors import NHITSInputError

OUTPUT_FORMATS = (".csv", ".parquet")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m keras_nhits.predict",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--model", required=True, help="run folder, SavedModel folder or .keras")
    parser.add_argument("--data", required=True, help="CSV/Parquet file, folder or glob")
    parser.add_argument("--output", default="", help="forecast file (.csv or .parquet); stdout")
    parser.add_argument("--target", default=None, help="target column(s) (default: the run's)")
    parser.add_argument("--time-col", default=None, help="time column (default: the run's)")
    parser.add_argument("--id-col", default=None, help="id column (default: the run's)")
    parser.add_argument("--fill", default=None, choices=FILL_MODES, help="missing values")
    parser.add_argument("--gaps", default=None, choices=GAP_MODES, help="gaps in the time index")

    def error(message):
        parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")

    parser.error = error
    return parser


def main(argv):
    args = build_parser().parse_args(argv)
    if args.output and not args.output.endswith(OUTPUT_FORMATS):
        raise NHITSInputError(
            f"--output {args.output}: unknown format; use a .csv or .parquet file name"
        )
    start_backend_quietly()
    from keras_nhits.atomic_io import atomic_output
    from keras_nhits.data import load_series
    from keras_nhits.forecasting import forecast_frame, load_forecaster

    forecaster = load_forecaster(args.model)
    options = {"target": "", "time_col": "", "id_col": "", "fill": "error", "gaps": "warn"}
    options.update(forecaster.data_options)
    for name in options:
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    series = load_series(args.data, **options)
    for line in series.report:
        print(line, file=sys.stderr if not args.output else sys.stdout)
    frame = forecast_frame(
        forecaster,
        series,
        id_col=series.columns.get("id") or "unique_id",
        time_col=series.columns.get("time") or "ds",
    )
    if not args.output:
        sys.stdout.write(frame.write_csv())
        return 0
    with atomic_output(args.output) as temp:
        if args.output.endswith(".parquet"):
            frame.write_parquet(temp)
        else:
            frame.write_csv(temp)
    print(f"wrote {frame.height} forecasts of {series.n_series} series to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
