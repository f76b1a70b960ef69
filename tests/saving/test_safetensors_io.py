import json

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.models import NHITS
from keras_nhits.saving import safetensors as safetensors_io
from tests.conftest import to_numpy


@pytest.fixture
def saved(tmp_path):
    model = NHITS(24, 6, n_blocks=(1, 2, 1), interpolation="cubic", hidden_size=16)
    x = np.random.default_rng(0).normal(size=(5, 24)).astype("float32") + 10
    expected = to_numpy(model(x))
    safetensors_io.save_model(model, tmp_path, extra={"note": "kept"})
    return tmp_path, x, expected


def test_round_trip_gives_the_same_forecast_without_the_keras_file(saved):
    folder, x, expected = saved
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    loaded = safetensors_io.load_model(folder)
    np.testing.assert_array_equal(to_numpy(loaded(x)), expected)
    record = json.loads((folder / "config.json").read_text())
    assert record["note"] == "kept"
    assert record["model"]["n_blocks"] == [1, 2, 1]


def test_truncated_weights_file_is_named(saved):
    folder, _, _ = saved
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(NHITSInputError, match="model.safetensors"):
        safetensors_io.load_model(folder)


def test_weights_that_do_not_match_the_config_are_refused_by_name(saved):
    folder, _, _ = saved
    record = json.loads((folder / "config.json").read_text())
    record["model"]["hidden_size"] = 8
    (folder / "config.json").write_text(json.dumps(record))
    with pytest.raises(NHITSInputError, match="dense_0/kernel.*shape"):
        safetensors_io.load_model(folder)
    record["model"]["hidden_size"] = 16
    record["model"]["n_blocks"] = 1
    (folder / "config.json").write_text(json.dumps(record))
    with pytest.raises(NHITSInputError, match="unexpected tensors"):
        safetensors_io.load_model(folder)


@pytest.mark.parametrize(
    "change,word",
    [
        ({"hidden_size": 1_000_000_000}, "hidden_size"),
        ({"hidden_size": 60_000, "n_layers": 60}, "parameters"),
        ({"bogus": 1}, "bogus"),
        ({"pooling": "median"}, "pooling"),
    ],
)
def test_absurd_or_unknown_config_is_refused_before_allocation(saved, change, word):
    folder, _, _ = saved
    record = json.loads((folder / "config.json").read_text())
    record["model"].update(change)
    (folder / "config.json").write_text(json.dumps(record))
    with pytest.raises(NHITSInputError, match=word):
        safetensors_io.load_model(folder)


def test_parameter_count_matches_the_built_model():
    from keras_nhits.config import ModelConfig

    config = ModelConfig(input_size=37, horizon=10, n_blocks=2, hidden_size=12, n_layers=3)
    model = NHITS(**config.model_kwargs())
    model.build((None, 37))
    assert safetensors_io.parameter_count(config) == model.count_params()
