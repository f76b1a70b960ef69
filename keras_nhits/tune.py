"""`python -m keras_nhits.tune`: hyperparameter search of N-HiTS on the validation split.

Only the entry point lives here, so that the documented command keeps its name; the command itself
is `keras_nhits.cli.tune` (also run as `keras-nhits tune`).
"""

import sys

from keras_nhits.cli.tune import run_command

if __name__ == "__main__":
    sys.exit(run_command())
