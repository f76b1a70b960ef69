"""Loads a script from `benchmarks/` (a folder, not a package) as a module, for its tests."""

import importlib.util
import pathlib

FOLDER = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"


def load_benchmark(name):
    """Imports `benchmarks/NAME.py` under the module name NAME."""
    spec = importlib.util.spec_from_file_location(name, FOLDER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
