"""`python -m keras_nhits.backtest`: rolling-origin forecasts of a trained model, scored.

Only the entry point lives here, so that the documented command keeps its name; the command itself
is `keras_nhits.cli.backtest` (also run as `keras-nhits backtest`).
"""

import sys

from keras_nhits.cli.backtest import run_command

if __name__ == "__main__":
    sys.exit(run_command())
