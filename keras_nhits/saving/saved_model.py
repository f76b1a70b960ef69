"""Export to a TensorFlow SavedModel whose signatures take raw values and return raw forecasts.

The model scales every input window itself, so the exported graph needs nothing else: a serving
system sends the last `input_size` raw values of each series and receives `horizon` raw values.

Signatures:
    serving_default   history float32 [None, input_size]  ->  forecast float32 [None, horizon]
                      (a quantile model: its median, and quantiles float32
                      [None, horizon, n_quantiles] in the order of keras_nhits.json's
                      "quantiles", non-decreasing along the last axis)
    decompose         history float32 [None, input_size]  ->  components float32
                                                              [None, n_stacks + 1, horizon]
                      (row 0 the level, row s + 1 stack s; the rows sum to the forecast)

A model with covariates (`hist_exog`, `futr_exog` or `stat_exog` above 0) has, in both signatures,
one more named float32 input per covariate kind it was built with, in raw units (the model scales
them by the statistics saved with its weights):
    hist_exog  [None, input_size, hist_exog]
    futr_exog  [None, input_size + horizon, futr_exog]
    stat_exog  [None, stat_exog]
Every input the model has is required: TensorFlow refuses a call without one, naming it. A model
without covariates keeps exactly the `history`-only signatures above.

Keras writes SavedModels from the TensorFlow and JAX backends (JAX through jax2tf). Run folders are
backend-independent (safetensors + JSON), so a model trained with PyTorch is exported by loading
its folder in a process running the TensorFlow backend; `export_saved_model` says so when called
on PyTorch.

Besides TensorFlow's files the folder holds the ownership marker `.keras_nhits` (kind
`saved_model`: a later export may replace this folder, and only such a folder) and, when the run's
record is given, `keras_nhits.json`: the run's data options (target, time and id columns, fill,
gaps, freq), which predict reads the data with, its covariates and, for a quantile model (written
also without a record), the `quantiles` of the `quantiles` output and the run's `level`.
TensorFlow ignores both.
"""

import os

import keras

from keras_nhits.errors import NHITSInputError
from keras_nhits.saving.atomic import atomic_directory, write_json_atomic
from keras_nhits.saving.ownership import check_output_folder, write_marker

EXPORT_BACKENDS = ("tensorflow", "jax")


def export_saved_model(model, path, record=None):
    """Writes `model` as a TensorFlow SavedModel at `path` (a folder), atomically.

    Args:
        model: a built or unbuilt `NHITS`.
        path: the folder to write: new, empty, or a SavedModel folder this function wrote,
            which is replaced whole.
        record: the run's record (the `training` and `data` sections of its `config.json`),
            whose data options then travel in the folder's `keras_nhits.json`; None writes none.

    A model with covariates gets a named signature input per covariate kind it has (see the
    module docstring).

    Raises `NHITSInputError` on the PyTorch backend (naming the command that exports instead),
    for a `path` holding anything else (a file, a folder of the user's) and for a `path` that
    cannot be written; nothing is changed then.
    """
    backend = keras.backend.backend()
    if backend not in EXPORT_BACKENDS:
        raise NHITSInputError(
            f"SavedModel export needs the TensorFlow or JAX backend, not {backend}; run "
            "KERAS_BACKEND=tensorflow python -m keras_nhits.export --model RUN_DIR --output PATH "
            "(run folders load on every backend)"
        )
    from keras_nhits.serving.run_record import EXPORT_RECORD, export_record

    path = os.fspath(path)
    check_output_folder(path, "saved_model", "SavedModel folder")
    quantiles = tuple(getattr(model, "quantiles", ()))
    extra = None
    if record is not None or quantiles:
        extra = export_record(record, "the run record", quantiles)
    if not model.built:
        model.build(model.input_shapes())

    archive = _archive(model)
    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        with atomic_directory(os.path.abspath(path)) as temp:
            archive.write_out(str(temp), verbose=False)
            write_marker(temp, "saved_model")
            if extra is not None:
                write_json_atomic(os.path.join(temp, EXPORT_RECORD), extra)
    except OSError as error:
        raise NHITSInputError(
            f"SavedModel folder {path} cannot be written ({error.strerror or error}); nothing "
            "was changed: choose a folder you can write to"
        ) from None
    return path


def _archive(model):
    """The Keras export archive of `model`: `serving_default` (forecast) and `decompose`."""
    from keras.export import ExportArchive

    spec = _input_signature(model)
    archive = ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serving_default",
        fn=lambda inputs: _forecast_outputs(model, model(inputs, training=False)),
        input_signature=spec,
    )
    archive.add_endpoint(
        name="decompose",
        fn=lambda inputs: {"components": model.decompose(inputs)},
        input_signature=spec,
    )
    return archive


def _forecast_outputs(model, outputs):
    """`{"forecast": [B, H]}`, and for a quantile model its median as the forecast beside every
    quantile, `{"forecast": [B, H], "quantiles": [B, H, Q]}`."""
    if not getattr(model, "quantiles", ()):
        return {"forecast": outputs}
    return {"forecast": outputs[..., model.median_index], "quantiles": outputs}


def _input_signature(model):
    """The endpoints' one argument: the `history` spec without covariates (the signature exports
    have always had), else a dict of one spec per input the model takes, each named by its key
    so that the signature's inputs are `history`, `hist_exog`, ... (batch dimension None)."""
    shapes = model.input_shapes()
    if not model.has_covariates:
        return [keras.InputSpec(shape=shapes, dtype="float32", name="history")]
    return [{k: keras.InputSpec(shape=s, dtype="float32", name=k) for k, s in shapes.items()}]
