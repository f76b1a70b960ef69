"""Model weights as safetensors plus a JSON config: saving and loading without pickle.

A run folder holds `model.safetensors` (the tensors, keyed by each weight's Keras path such as
`stack_0_block_0/dense_0/kernel`, and for a model with covariates their training-split statistics,
`hist_exog_scaler/mean` ...) and `config.json` (the model's arguments and whatever the caller
adds, such as the resolved training config). Loading parses JSON and raw tensors only, so a file
from elsewhere cannot execute code; it is checked before anything large is allocated (absurd
sizes in the config) and after (every tensor name and shape must match the rebuilt model).
"""

import os

import numpy as np

from keras_nhits import __version__
from keras_nhits.config import ModelConfig
from keras_nhits.errors import NHITSInputError, first_line, name_list
from keras_nhits.saving.atomic import atomic_output, write_json_atomic
from keras_nhits.saving.json_file import read_json

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
# A model above this many parameters (4 GB of float32) is refused when loaded from a config.
MAX_PARAMETERS = 1_000_000_000


def save_weights(model, path):
    """Writes the model's weights to a safetensors file at `path`, atomically."""
    from safetensors.numpy import save_file

    if not model.built:  # an unbuilt model has no weights yet: build them, as `model.save` does
        model.build(model.input_shapes())
    tensors = {
        name: np.ascontiguousarray(np.asarray(w.numpy())) for name, w in weight_map(model).items()
    }
    with atomic_output(path) as tmp:
        save_file(tensors, tmp, metadata={"format": "keras_nhits", "version": __version__})


def load_weights(model, path):
    """Loads a safetensors file into a built model, refusing any name or shape mismatch."""
    tensors = _read_safetensors(path)
    weights = weight_map(model)
    missing = sorted(set(weights) - set(tensors))
    unexpected = sorted(set(tensors) - set(weights))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing tensors {name_list(missing)}")
        if unexpected:
            parts.append(f"unexpected tensors {name_list(unexpected)}")
        raise NHITSInputError(f"{path} does not match the model config: {'; '.join(parts)}")
    for name, weight in weights.items():
        value = tensors[name]
        if tuple(value.shape) != tuple(weight.shape):
            raise NHITSInputError(
                f"{path}: tensor {name} has shape {tuple(value.shape)}, the model config "
                f"expects {tuple(weight.shape)}"
            )
        if not np.all(np.isfinite(value)):
            raise NHITSInputError(f"{path}: tensor {name} holds NaN or inf values")
    for name, weight in weights.items():
        weight.assign(tensors[name].astype(weight.dtype))


def weight_map(model):
    """The model's weights keyed by path below the model (`stack_0_block_0/dense_0/kernel`).

    The model's own name is dropped: it differs between instances (`nhits`, `nhits_1` ...)
    while the structure below it is fixed by the config.
    """
    prefix = model.name + "/"
    return {
        w.path[len(prefix) :] if w.path.startswith(prefix) else w.path: w for w in model.weights
    }


def save_model(model, folder, extra=None):
    """Writes `model.safetensors` and `config.json` (model arguments, plus `extra`) to `folder`."""
    os.makedirs(folder, exist_ok=True)
    save_weights(model, os.path.join(folder, WEIGHTS_FILE))
    record = {
        "format": "keras_nhits",
        "version": __version__,
        "model_class": type(model).__name__,
        "model": model_arguments(model),
    }
    record.update(extra or {})
    write_json_atomic(os.path.join(folder, CONFIG_FILE), record)


def load_model(folder):
    """Rebuilds an `NHITS` from a folder's `config.json` and loads `model.safetensors` into it."""
    from keras_nhits.models.nhits import NHITS

    record = read_config(folder)
    arguments = record.get("model")
    if not isinstance(arguments, dict):
        raise NHITSInputError(f"{os.path.join(folder, CONFIG_FILE)} has no 'model' section")
    config = model_config_from_dict(arguments, os.path.join(folder, CONFIG_FILE))
    model = NHITS(**config.model_kwargs())
    model.build(model.input_shapes())
    load_weights(model, os.path.join(folder, WEIGHTS_FILE))
    return model


def read_config(folder):
    """Reads and parses `config.json` of a run or model folder."""
    path = os.path.join(folder, CONFIG_FILE)
    if not os.path.isfile(path):
        raise NHITSInputError(f"{path} does not exist: not a keras_nhits model folder")
    return read_json(path, "save the model again")


def model_arguments(model):
    """The model's constructor arguments as a JSON-ready dict (tuples become lists)."""
    config = model.get_config()
    names = set(ModelConfig.__dataclass_fields__)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items() if k in names}


def model_config_from_dict(arguments, source):
    """Validates model arguments read from a file, sizes first, before any weight exists."""
    names = set(ModelConfig.__dataclass_fields__)
    unknown = sorted(set(arguments) - names)
    if unknown:
        raise NHITSInputError(f"{source}: unknown model argument(s) {', '.join(unknown)}")
    try:
        config = ModelConfig(**arguments)
    except (TypeError, ValueError) as error:
        raise NHITSInputError(f"{source}: {error}") from None
    _check_activation(config.activation, source)
    count = parameter_count(config)
    if count > MAX_PARAMETERS:
        raise NHITSInputError(
            f"{source}: the model would have {count:,} parameters (limit {MAX_PARAMETERS:,}); "
            "the config is damaged or not meant for this library"
        )
    return config


def _check_activation(activation, source):
    """The activation must name a Keras activation: a file cannot point it at other code."""
    import keras

    known = False
    if isinstance(activation, str):
        try:
            known = callable(keras.activations.get(activation))
        except (ValueError, TypeError):
            known = False
    if not known:
        raise NHITSInputError(
            f"{source}: activation must be the name of a Keras activation such as 'relu'; "
            f"received {activation!r}"
        )


def parameter_count(config):
    """Number of parameters of an NHITS with this `ModelConfig`, from sizes only: the MLPs'
    weights, plus a mean and a std per covariate channel."""
    blocks = config.n_blocks if isinstance(config.n_blocks, (tuple, list)) else None
    total = 2 * (config.hist_exog + config.futr_exog + config.stat_exog)
    for s in range(config.n_stacks):
        n_blocks = blocks[s] if blocks else config.n_blocks
        pooled = -(-config.input_size // config.pool_sizes[s])
        futr = -(-(config.input_size + config.horizon) // config.pool_sizes[s])
        width = pooled * (1 + config.hist_exog) + futr * config.futr_exog + config.stat_exog
        knots = max(config.horizon // config.freq_downsample[s], 1)
        units = [width] + [config.hidden_size] * config.n_layers + [config.input_size + knots]
        per_block = sum(a * b + b for a, b in zip(units[:-1], units[1:]))
        total += n_blocks * per_block
    return total


def _read_safetensors(path):
    from safetensors.numpy import load_file

    if not os.path.isfile(path):
        raise NHITSInputError(f"{path} does not exist")
    try:
        return load_file(path)
    except Exception as error:  # safetensors raises its own and several builtin errors
        raise NHITSInputError(
            f"{path} is not a readable safetensors file ({first_line(error)}); it is truncated or "
            "corrupted"
        ) from None
