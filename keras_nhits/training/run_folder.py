"""The run folder's checks and clean-up: what may be written where, before anything is.

A run writes `--output` (the files in `RUN_FILES`, `saved_model/` with `--export`) and the
checkpoint folder (`CHECKPOINT_FILES`). Nothing of the user's is deleted or replaced: both
folders must be new, empty or marked as ours, may not hold the data or config file being read,
and `--overwrite` removes only the names a run writes. `check_folders` makes every one of these
checks, and those that what will be replaced can be (a folder where a file goes, a read-only
folder), so a refused run leaves both folders as they were; the trainer calls it once before
taking the locks and again under each.
"""

import dataclasses
import os

import keras

from keras_nhits.errors import NHITSInputError
from keras_nhits.saving.atomic import remove_leftovers
from keras_nhits.saving.json_file import read_json
from keras_nhits.saving.ownership import CHECKPOINT_FILES, check_output_folder, refuse_overlap
from keras_nhits.saving.run_lock import refuse_if_in_use
from keras_nhits.training.callbacks import ResumableBackup

METRICS_FILE = "metrics.json"
SAVED_MODEL_DIR = "saved_model"  # OUTPUT/saved_model, written by --export
RUN_CONFIG_FILE = "run_config.json"
PLOT_FILE = "forecast.png"
# What a run writes in --output (checkpoints/ and saved_model/ aside): replaced in place.
RUN_FILES = ("model.keras", "model.safetensors", "config.json", METRICS_FILE, PLOT_FILE)

# The settings a resumed run must share with the run it continues (the model's fields too).
RESUME_FIELDS = ("target", "val_split", "test_split", "series_scaler", "loss", "optimizer")


def check_folders(cfg, output, checkpoints, reads, locked=False):
    """Refuses a folder that is not ours to write, one that holds what the run reads, a
    finished or unfinished run unless told to, and a folder another run holds (`locked`:
    this process holds the locks already)."""
    _refuse_nested(output, checkpoints)
    for path, flag, kind in (
        (output, "--output", "run"),
        (checkpoints, "--checkpoint-dir", "checkpoints"),
    ):
        refuse_overlap(path, reads, flag)
        check_output_folder(path, kind, flag)
    if cfg.export:
        # Checked now, not after training: export replaces only a SavedModel it wrote.
        check_output_folder(os.path.join(output, SAVED_MODEL_DIR), "saved_model", "--export")
    if not locked:
        # Before saying what the other run's files look like.
        refuse_if_in_use(output)
        refuse_if_in_use(checkpoints, "--checkpoint-dir")
    check_replaceable(output, RUN_FILES, "--output")
    clearing = cfg.overwrite and not cfg.resume
    ours = checkpoint_files(checkpoints)
    check_replaceable(checkpoints, ours if clearing else (), "--checkpoint-dir")
    if not clearing:  # else our files there are removed; a damaged state.json need not be read
        _refuse_previous_run(cfg, output, checkpoints)


def _refuse_nested(output, checkpoints):
    """The checkpoint folder is neither `--output` itself nor a folder holding it."""
    real_out, real_ckpt = os.path.realpath(output), os.path.realpath(checkpoints)
    if real_out == real_ckpt:
        raise NHITSInputError(
            f"--checkpoint-dir {checkpoints} is the --output folder itself; nothing was "
            "changed: give the checkpoints a folder of their own (default OUTPUT/checkpoints)"
        )
    if real_out.startswith(real_ckpt.rstrip(os.sep) + os.sep):
        raise NHITSInputError(
            f"--output {output} is inside --checkpoint-dir {checkpoints}; nothing was "
            "changed: choose a --checkpoint-dir that does not hold --output (default "
            "OUTPUT/checkpoints)"
        )


def _refuse_previous_run(cfg, output, checkpoints):
    """A finished run is replaced only with --overwrite; a stopped one is continued with
    --resume (with the same model and data settings) or replaced with --overwrite."""
    state = ResumableBackup.read_state(checkpoints)
    finished = os.path.exists(os.path.join(output, METRICS_FILE))
    if cfg.resume:
        if state is not None:
            saved = read_json(
                os.path.join(checkpoints, RUN_CONFIG_FILE),
                "delete the checkpoint folder or pass --overwrite to start over",
            )
            check_same_model(saved, cfg, checkpoints)
        return
    if finished and not cfg.overwrite:
        raise NHITSInputError(
            f"{output} already holds a finished run; choose another --output or pass --overwrite"
        )
    if state is not None and not cfg.overwrite:
        raise NHITSInputError(
            f"{checkpoints} holds a run stopped after epoch {state['epoch']}; pass --resume "
            "to continue it or --overwrite to start over"
        )


def check_export_backend(export):
    """`--export` on a backend that cannot write a SavedModel fails before training, not after."""
    from keras_nhits.saving.saved_model import EXPORT_BACKENDS

    backend = keras.backend.backend()
    if export and backend not in EXPORT_BACKENDS:
        raise NHITSInputError(
            f"--export needs the TensorFlow or JAX backend, not {backend}; train without "
            "--export, then run KERAS_BACKEND=tensorflow python -m keras_nhits.export --model "
            "OUTPUT --output OUTPUT/saved_model (run folders load on every backend)"
        )


def check_tensorboard(path):
    """`--tensorboard`: a folder (new or not) and the `tensorboard` package, both up front:
    Keras' callback fails only once training has begun, leaving a partial events file."""
    if not path:
        return
    if os.path.lexists(path) and not os.path.isdir(path):
        raise NHITSInputError(
            f"--tensorboard {path} cannot be used: it is a file, not a folder; choose a "
            "folder for the TensorBoard logs"
        )
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise NHITSInputError(
            "--tensorboard needs the tensorboard package, which is not installed: "
            "pip install 'keras-nhits[tensorboard]'"
        ) from None


def paths_read(source, config_file, *others):
    """The files a run reads (the data, a glob's matches, the config file, the `others` given
    such as the static covariate table), for overlap checks."""
    import glob

    paths = []
    if isinstance(source, (str, os.PathLike)):
        source = os.fspath(source)
        paths += glob.glob(source) if any(c in source for c in "*?[") else [source]
    paths += [path for path in (config_file, *others) if path]
    return paths


def checkpoint_files(folder):
    """The names a run writes that are in `folder` now (what --overwrite removes)."""
    try:
        return sorted(n for n in os.listdir(folder) if CHECKPOINT_FILES.match(n))
    except OSError:
        return []


def check_replaceable(folder, names, flag):
    """Refuses, before anything is written, a folder the run could not write or clean: a
    read-only one (or read-only parent of a new one), or one of `names` that is a folder."""
    existing = folder
    while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "it is" if existing == folder else f"{existing} is"
        raise NHITSInputError(
            f"{flag} {folder} cannot be written: {where} read-only; nothing was changed: "
            f"choose another {flag}"
        )
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            raise NHITSInputError(
                f"{flag} {folder} holds a folder named {name} where a run writes a file; "
                f"nothing was changed: move it away or choose another {flag}"
            )


def clear_checkpoints(folder):
    """--overwrite: removes the files a run wrote in `folder` and nothing else of it."""
    remove_leftovers(folder)
    for name in checkpoint_files(folder):
        try:
            os.remove(os.path.join(folder, name))
        except FileNotFoundError:
            continue  # gone already: nothing to remove
        except OSError as error:
            raise NHITSInputError(
                f"--checkpoint-dir {folder}: {name} cannot be removed ({error.strerror}); "
                "remove it yourself or choose another --checkpoint-dir"
            ) from None


def check_same_model(saved, cfg, checkpoints):
    """--resume: refuses a run config `saved` whose model or data settings differ from `cfg`'s
    (the checkpoint's weights would not fit, or would mean something else)."""
    current = cfg.to_dict()
    fields = [f.name for f in dataclasses.fields(type(cfg.model))] + list(RESUME_FIELDS)
    for name in fields:
        if name in saved and saved[name] != current[name]:
            raise NHITSInputError(
                f"--resume: the checkpoint in {checkpoints} was made with {name}="
                f"{saved[name]!r}, this command has {current[name]!r}; use the same settings"
            )
