"""What the probabilistic benchmark scripts print with: the CPU's name, means, table cells.

Plain Python (no NumPy, Keras or torch), so that both the keras_nhits script and the
neuralforecast one, which run in different virtual environments, import it.
"""

import math
import statistics


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
