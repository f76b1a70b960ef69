"""Shared pieces of the reliability tests: tiny data, the CLI run in-process or as a subprocess,
snapshots of folders, and the checks that every file of a run folder is whole."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import keras
import pytest

from keras_nhits.saving.atomic import is_temporary
from tests.synthetic import seasonal_frame

# For end-to-end checks of the command-line path that do not depend on the backend: they run in
# the TensorFlow pass of the suite only, to keep CI's three passes short.
ONE_BACKEND = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="backend-independent command-line path: checked in the TensorFlow pass only",
)

# A run that trains in seconds: the cases that must train use these flags.
TINY = [
    "--input-size",
    "24",
    "--horizon",
    "6",
    "--hidden-size",
    "8",
    "--epochs",
    "1",
    "--windows-per-epoch",
    "128",
    "--quiet",
]


def hourly_frame(n_series=2, steps=200, **options):
    """`tests.synthetic.seasonal_frame` at the reliability suites' size (200 hourly steps)."""
    return seasonal_frame(n_series, steps, **options)


def train_tiny_run(data, output, **settings):
    """A finished run in `output` trained on the file `data` with the TINY sizes, through
    `NHITSTrainer` (what `python -m keras_nhits.train` runs); `settings` are more config fields."""
    from keras_nhits.training.trainer import NHITSTrainer

    config = {
        "input_size": 24,
        "horizon": 6,
        "hidden_size": 8,
        "epochs": 1,
        "windows_per_epoch": 128,
        "quiet": True,
        "output": str(output),
        **settings,
    }
    NHITSTrainer(log=lambda line: None, **config).fit(str(data))
    return Path(output)


@dataclass
class Case:
    """One hostile input of a table: `make(tmp_path)` writes what it needs and returns the
    flags; the one error line must hold every one of `words`."""

    id: str
    make: object
    words: list
    marks: list = field(default_factory=list)


# === Running the CLI ===


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self):
        return self.stderr.strip().splitlines()


def run_in_process(argv, capfd, main=None):
    """`python -m keras_nhits.train ARGV` (or the command whose `main` is given) in this
    process: exit code and captured fd 1 and 2.

    `cli.run` is what the module's `__main__` calls; argparse's own errors leave through
    `SystemExit`, as they do from the command line.
    """
    from keras_nhits.cli import common as cli
    from keras_nhits.cli import train

    capfd.readouterr()
    try:
        code = cli.run(main or train.main, [str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capfd.readouterr()
    return CliResult(code, out, err)


def run_subprocess(argv, module="keras_nhits.train", timeout=600):
    """`python -m MODULE ARGV` in a fresh interpreter (the real proof of "no traceback")."""
    done = subprocess.run(
        [sys.executable, "-m", module, *[str(a) for a in argv]],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def assert_one_error_line(result, words, code=2):
    """Exit `code`, exactly one line on stderr, holding every one of `words`, no traceback."""
    assert result.code == code, f"exit {result.code}, stderr: {result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.error_lines
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {result.stderr}"
    for word in words:
        assert word in lines[0], f"{word!r} missing from: {lines[0]}"
    return lines[0]


# === Folders ===


def snapshot(folder):
    """`{relative path: bytes}` of every file under `folder` (None when it does not exist)."""
    folder = Path(folder)
    if not folder.exists():
        return None
    if folder.is_file():
        return {"": folder.read_bytes()}
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def previous_run(folder):
    """A folder that looks like a finished run (the files a run writes, with known bytes, and
    the markers that make the folder and its checkpoints this project's)."""
    from keras_nhits.saving.ownership import write_marker

    folder = Path(folder)
    (folder / "checkpoints").mkdir(parents=True)
    write_marker(folder, "run")
    write_marker(folder / "checkpoints", "checkpoints")
    (folder / "model.keras").write_bytes(b"PK previous model")
    (folder / "model.safetensors").write_bytes(b"previous weights")
    (folder / "config.json").write_text(json.dumps({"model": {"horizon": 6}}))
    (folder / "metrics.json").write_text(json.dumps({"epochs_completed": 1}))
    (folder / "checkpoints" / "state.json").write_text(json.dumps({"epoch": 1}))
    (folder / "checkpoints" / "epoch_1.weights.h5").write_bytes(b"previous checkpoint")
    return folder


# === Integrity of a run folder ===


def damaged_files(folder):
    """The files under `folder` that are truncated or unreadable, as `{path: reason}`.

    Every `.json` must parse, every `.weights.h5` must open and read in full, every `.keras`
    must load with `safe_mode=True`, `model.safetensors` must load through
    `keras_nhits.saving.safetensors.load_model` when its `config.json` is there (alone, it must at
    least parse). Temporary files of the atomic writers are skipped: a killed write leaves one,
    and nothing ever reads it (see `leftovers`).
    """
    import h5py
    import keras

    import keras_nhits.models  # noqa: F401  (registers NHITS for keras.saving.load_model)
    from keras_nhits.saving import safetensors as safetensors_io

    damaged = {}
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file() or path.name == ".lock" or is_temporary(path.name):
            continue
        try:
            if path.suffix == ".json":
                json.loads(path.read_text())
            elif path.name.endswith(".weights.h5"):
                with h5py.File(path, "r") as handle:
                    handle.visititems(
                        lambda _, item: item[()] if isinstance(item, h5py.Dataset) else None
                    )
            elif path.suffix == ".keras":
                keras.saving.load_model(path, safe_mode=True)
            elif path.name == "model.safetensors":
                if (path.parent / "config.json").exists():
                    safetensors_io.load_model(path.parent)
                else:
                    safetensors_io._read_safetensors(str(path))
        except Exception as error:  # any failure to read is damage
            damaged[str(path)] = f"{type(error).__name__}: {str(error)[:200]}"
    return damaged


def checked_files(folder):
    """The files `damaged_files` reads back (all but `.lock` and temporary files)."""
    return [
        p
        for p in Path(folder).rglob("*")
        if p.is_file() and p.name != ".lock" and not is_temporary(p.name)
    ]


def leftovers(folder):
    """Temporary files of the atomic writers under `folder` (a killed write leaves these)."""
    return sorted(
        str(p.relative_to(folder)) for p in Path(folder).rglob("*") if is_temporary(p.name)
    )


def write_bytes(path, data):
    Path(path).write_bytes(data)
    return str(path)


def write_text(path, text):
    Path(path).write_text(text)
    return str(path)


def environment():
    """The environment of a child process: this one's, with output unbuffered."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}
