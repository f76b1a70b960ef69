"""Hyperparameter search (`python -m keras_nhits.tune`): Optuna studies of N-HiTS trials.

`run_search(config, data)` searches the settings of a space on the validation split, resumable
and shared by every process given the same storage and study; `TuneConfig` holds its settings,
`read_space` and `default_space` the space. Needs the optional extra `keras-nhits[tune]`.

The names load lazily, so that the command line reads its flags (`TuneConfig`) before Keras and
its backend start.
"""

import importlib

_LAZY = {
    "TuneConfig": "keras_nhits.tuning.config",
    "SearchResult": "keras_nhits.tuning.search",
    "run_search": "keras_nhits.tuning.search",
    "SearchSpace": "keras_nhits.tuning.space",
    "default_space": "keras_nhits.tuning.space",
    "read_space": "keras_nhits.tuning.space",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keras_nhits.tuning' has no attribute {name!r}")
