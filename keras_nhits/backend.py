"""The package's side of Keras' start-up: class registration and a missing backend.

Keras finds a custom class in a `.keras` file only when the class was registered, and it imports
modules of its own packages only (`keras`, `keras_hub` ...), so `import keras_nhits` must do the
registering. Importing Keras from `keras_nhits/__init__.py` would start the backend before the
command-line tools hide GPUs (`--gpu -1`: the PyTorch backend probes CUDA while Keras imports) and
keep its C++ start-up chatter off stderr; so registration waits for Keras instead:
`register_when_keras_loads` registers at once when Keras is already imported, and otherwise right
after `import keras` finishes, whoever imports it.

Nothing here imports Keras.
"""

import importlib.abc
import importlib.util
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
# The module a backend's import fails on when it is not installed -> the backend's name.
_BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "jaxlib": "jax", "torch": "torch"}


def register_serializable_classes():
    """Imports every module that registers a Keras class (`package="keras_nhits"`)."""
    importlib.import_module("keras_nhits.layers")
    importlib.import_module("keras_nhits.models")
    importlib.import_module("keras_nhits.probabilistic.losses")


class _RegisterAfterKeras(importlib.abc.MetaPathFinder):
    """A one-shot import hook: lets `keras` import as usual, then registers our classes."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_keras = spec.loader.exec_module
        hook = self

        def exec_module(module):
            try:
                exec_keras(module)
            except BaseException:
                # A failed import (its backend missing) may be retried: register then.
                sys.meta_path.insert(0, hook)
                raise
            register_serializable_classes()

        spec.loader.exec_module = exec_module
        return spec


def register_when_keras_loads():
    """Registers the package's Keras classes now if Keras is loaded, else when it loads."""
    if "keras" in sys.modules:
        register_serializable_classes()
    elif not any(isinstance(finder, _RegisterAfterKeras) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterKeras())


def configured_backend():
    """The backend Keras will load: `KERAS_BACKEND`, else `~/.keras/keras.json`, else TF."""
    name = os.environ.get("KERAS_BACKEND")
    if name:
        return name
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    from keras_nhits.saving.json_file import read_json_or_none

    name = (read_json_or_none(os.path.join(keras_home, "keras.json")) or {}).get("backend")
    return name if isinstance(name, str) and name else "tensorflow"


def missing_backend_message(error):
    """One line for an `ImportError` raised while Keras loads, naming the backend and the fix.

    Returns None when the error is not about a backend (a bug to report, not an install to fix).
    """
    missing = (getattr(error, "name", None) or "").split(".")[0]
    backend = _BACKEND_MODULES.get(missing)
    if backend is None:
        return None
    others = ", ".join(b for b in BACKENDS if b != backend)
    if backend == "tensorflow":
        fix = "pip install keras-nhits (TensorFlow is one of its requirements)"
    else:
        fix = f"pip install keras-nhits[{backend}]"
    return (
        f"the Keras backend {backend} (KERAS_BACKEND={configured_backend()}) is not installed: "
        f"{fix}, or set KERAS_BACKEND to another backend ({others})"
    )
