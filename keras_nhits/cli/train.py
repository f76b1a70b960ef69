"""`python -m keras_nhits.train`: train N-HiTS on a CSV/Parquet file (default: the bundled sample).

A thin layer over `NHITSTrainer`: the flags are the fields of `NHITSTrainingConfig` (generated with
argparse-dataclass), `--config FILE` reads the same fields from JSON or TOML (the flags typed on the
command line win), and bad input ends with one line on stderr and exit code 2, with `--output` left
as it was.

    python -m keras_nhits.train --data prices.csv --target close --horizon 24 --output runs/close
    python -m keras_nhits.train --init-from runs/close --data prices_new.csv --epochs 5 \\
        --output runs/close_new

`--init-from RUN` continues a trained run on new data in a new run folder: RUN's architecture,
series scaling and weights, its other settings unless given again, a fresh optimizer.
"""

import sys

from keras_nhits.cli.common import (
    config_from_argv,
    hide_gpus_if_cpu_requested,
    run,
    start_backend_quietly,
)
from keras_nhits.config import NHITSTrainingConfig
from keras_nhits.training.init_from import inherit_run_settings

DESCRIPTION = __doc__.split("\n\n")[0]


def main(argv):
    config = config_from_argv(
        NHITSTrainingConfig,
        argv,
        "python -m keras_nhits.train",
        DESCRIPTION,
        complete=inherit_run_settings,
    )
    hide_gpus_if_cpu_requested(config.gpu)
    start_backend_quietly()
    from keras_nhits.training.trainer import NHITSTrainer

    def log(line):
        print(line, flush=True)

    NHITSTrainer(config, log=log).fit()
    return 0


def run_command(argv=None):
    """`python -m keras_nhits.train ARGV`: exit code; Ctrl-C says to rerun with `--resume`."""
    return run(main, argv, resumable=True)


if __name__ == "__main__":
    sys.exit(run_command())
