"""`python -m keras_nhits.tune`: search N-HiTS hyperparameters on the validation split (Optuna).

Every flag of `train` applies to each trial; the search's own flags say how many trials, where
the study lives and what to search. The same command run again continues the study; processes
given the same --storage and --study share it (SQLite on one machine, a PostgreSQL or MySQL
server for several hosts). Needs the extra: pip install 'keras-nhits[tune]'.

    python -m keras_nhits.tune --data prices.csv --target close --horizon 24 --trials 40 \\
        --output tune/close
    python -m keras_nhits.train --config tune/close/best.toml --output runs/close

The search writes OUTPUT/best.toml (the best trial as a --config file), trials.csv, search.png,
tune.json and space.toml (the space, in the format --space FILE reads).
"""

import sys

from keras_nhits.cli.common import (
    config_from_argv,
    hide_gpus_if_cpu_requested,
    run,
    start_backend_quietly,
)
from keras_nhits.tuning.config import TuneConfig, require_optuna

DESCRIPTION = __doc__.split("\n\n")[0]
INTERRUPTED = (
    "interrupted: the finished trials are kept in the study; run the same command to continue"
)


def main(argv):
    config = config_from_argv(TuneConfig, argv, "python -m keras_nhits.tune", DESCRIPTION)
    require_optuna()
    hide_gpus_if_cpu_requested(config.gpu)
    start_backend_quietly()
    import optuna

    from keras_nhits.tuning.search import run_search

    optuna.logging.set_verbosity(optuna.logging.ERROR)

    def log(line):
        print(line, flush=True)

    run_search(config, log=log)
    return 0


def run_command(argv=None):
    """`python -m keras_nhits.tune ARGV`: exit code; Ctrl-C says how to continue."""
    return run(main, argv, interrupted=INTERRUPTED)


if __name__ == "__main__":
    sys.exit(run_command())
