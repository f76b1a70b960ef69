"""Model files from elsewhere: code is never run, mismatches are named, absurd sizes fail fast.

* A `.keras` file carrying a Lambda layer (arbitrary Python) is refused by
  `keras.saving.load_model(path, safe_mode=True)`, the only way keras_nhits loads `.keras`
  files; the Lambda's code never runs (it would create a marker file).
* A safetensors file whose tensor names or shapes do not match `config.json` is refused with
  the tensor named; so are one whose header lies about its size and NaN weights.
* A `config.json` with absurd sizes is refused before any weight exists: `NHITS` is never
  constructed, and the refusal allocates almost nothing (tracemalloc) and takes no time.
"""

import json
import struct
import time
import tracemalloc

import keras
import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.models import NHITS
from keras_nhits.saving import safetensors as safetensors_io


@pytest.fixture
def model_folder(tmp_path):
    model = NHITS(24, 6, hidden_size=8)
    model.build((None, 24))
    safetensors_io.save_model(model, tmp_path / "model")
    return tmp_path / "model"


# === .keras files ===


def _lambda_model(marker):
    # A Python lambda is saved as its bytecode: whoever loads it runs this code.
    payload = eval(f"lambda x: (open({str(marker)!r}, 'w').close(), x)[1]")
    inputs = keras.Input((24,))
    outputs = keras.layers.Dense(6)(keras.layers.Lambda(payload)(inputs))
    return keras.Model(inputs, outputs)


def test_a_keras_file_with_a_lambda_layer_is_refused_and_its_code_never_runs(tmp_path):
    marker = tmp_path / "code_ran"
    path = tmp_path / "evil.keras"
    _lambda_model(marker).save(path)
    marker.unlink()  # building the model ran it once, here
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(path, safe_mode=True)
    assert not marker.exists()
    # The file does carry code: loading it unsafely runs it.
    keras.saving.load_model(path, safe_mode=False)
    assert marker.exists()


def test_a_keras_file_naming_a_function_outside_keras_is_refused(tmp_path):
    # A hand-edited config whose activation points at os.system.
    import zipfile

    path = tmp_path / "model.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(path)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    config["config"]["layers"][-1]["config"]["activation"] = {
        "module": "os",
        "class_name": "function",
        "config": "system",
        "registered_name": "system",
    }
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises((TypeError, ValueError), match="system"):
        keras.saving.load_model(path, safe_mode=True)


# === safetensors ===


def _tensors(folder):
    from safetensors.numpy import load_file

    return load_file(folder / "model.safetensors")


def _save(folder, tensors):
    from safetensors.numpy import save_file

    save_file(tensors, folder / "model.safetensors")


def test_a_renamed_tensor_is_refused_by_name(model_folder):
    tensors = _tensors(model_folder)
    name = sorted(tensors)[0]
    tensors["evil/" + name] = tensors.pop(name)
    _save(model_folder, tensors)
    with pytest.raises(NHITSInputError, match=f"missing tensors {name}.*unexpected tensors evil/"):
        safetensors_io.load_model(model_folder)


def test_a_reshaped_tensor_is_refused_with_both_shapes(model_folder):
    tensors = _tensors(model_folder)
    name = next(n for n in sorted(tensors) if n.endswith("kernel"))
    shape = tensors[name].shape
    tensors[name] = np.zeros((shape[0] + 1, shape[1]), np.float32)
    _save(model_folder, tensors)
    with pytest.raises(NHITSInputError, match=f"{name} has shape \\({shape[0] + 1}, {shape[1]}\\)"):
        safetensors_io.load_model(model_folder)


def test_nan_weights_are_refused(model_folder):
    tensors = _tensors(model_folder)
    name = sorted(tensors)[-1]
    tensors[name] = np.full_like(tensors[name], np.nan)
    _save(model_folder, tensors)
    with pytest.raises(NHITSInputError, match=f"{name} holds NaN"):
        safetensors_io.load_model(model_folder)


@pytest.mark.parametrize("lie", ["huge-header", "tensor-past-the-end"])
def test_a_safetensors_header_that_lies_fails_fast(model_folder, lie):
    path = model_folder / "model.safetensors"
    if lie == "huge-header":
        data = struct.pack("<Q", 2**60) + b"{}"
    else:
        header = json.dumps(
            {"x": {"dtype": "F32", "shape": [1_000_000_000], "data_offsets": [0, 4_000_000_000]}}
        ).encode()
        data = struct.pack("<Q", len(header)) + header + b"\0" * 16
    path.write_bytes(data)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(NHITSInputError, match="model.safetensors is not a readable"):
            safetensors_io.load_weights(NHITS(24, 6, hidden_size=8), str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5 and peak < 50e6


# === config.json with absurd sizes ===

ABSURD = [
    ({"hidden_size": 1_000_000_000}, "hidden_size"),
    ({"hidden_size": 1e9}, "hidden_size must be an integer"),
    ({"input_size": 10**12}, "input_size"),
    ({"hidden_size": 65_536, "n_layers": 64}, "parameters"),
    ({"n_stacks": 64, "n_blocks": 64, "hidden_size": 4096}, "one value per stack"),
    (
        {"n_stacks": 3, "n_blocks": 64, "hidden_size": 16_384, "n_layers": 16},
        "would have",
    ),
    ({"pool_sizes": [10**9, 2, 1]}, "pool_sizes"),
    ({"pool_sizes": "x"}, "comma-separated integers"),
    ({"activation": {"module": "os", "class_name": "function", "config": "system"}}, "activation"),
    ({"activation": "exec"}, "activation"),
    ({"horizon": -1}, "horizon"),
]


@pytest.mark.parametrize("change, word", ABSURD, ids=[w for _, w in ABSURD])
def test_absurd_config_is_refused_before_any_allocation(model_folder, monkeypatch, change, word):
    record = json.loads((model_folder / "config.json").read_text())
    record["model"].update(change)
    (model_folder / "config.json").write_text(json.dumps(record))

    def never(*args, **kwargs):
        raise AssertionError("NHITS was constructed from an absurd config")

    monkeypatch.setattr(NHITS, "__init__", never)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(NHITSInputError, match=word):
            safetensors_io.load_model(model_folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 5e6, f"{peak / 1e6:.1f} MB allocated before refusing"
