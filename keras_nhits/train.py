"""`python -m keras_nhits.train`: train N-HiTS on a CSV/Parquet file.

Only the entry point lives here, so that the documented command keeps its name; the command itself
is `keras_nhits.cli.train` (also run as `keras-nhits train`).
"""

import sys

from keras_nhits.cli.train import run_command

if __name__ == "__main__":
    sys.exit(run_command())
