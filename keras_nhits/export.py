"""`python -m keras_nhits.export`: write a run's model as a TensorFlow SavedModel.

Only the entry point lives here, so that the documented command keeps its name; the command itself
is `keras_nhits.cli.export` (also run as `keras-nhits export`).
"""

import sys

from keras_nhits.cli.export import run_command

if __name__ == "__main__":
    sys.exit(run_command())
