"""What the benchmark scripts print with: the CPU's name, means, table cells, quiet peer logs.

Plain Python (no NumPy, Keras or torch), so that both the keras_nhits scripts and the
neuralforecast ones, which run in different virtual environments, import it.
"""

import logging
import math
import statistics
import warnings


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (empty where there is none)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def mean_of(runs, key):
    """The mean of `run[key]` over the runs that have it (nan when none does)."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.fmean(values) if values else math.nan


def cell(value, digits=3):
    """A table cell: `-` for nan, else the value with `digits` decimals."""
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def quiet_logs():
    """Lightning and neuralforecast print a line per fit; only the figures are wanted here."""
    warnings.filterwarnings("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
