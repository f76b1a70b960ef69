"""`python -m keras_nhits.predict`: forecast from a run folder, .keras file or SavedModel.

Only the entry point lives here, so that the documented command keeps its name; the command itself
is `keras_nhits.cli.predict` (also run as `keras-nhits predict`).
"""

import sys

from keras_nhits.cli.predict import run_command

if __name__ == "__main__":
    sys.exit(run_command())
