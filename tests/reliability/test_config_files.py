"""Hostile config files, flags and Python values: refused by name, never truncated or crashed on.

The CLI cases run `python -m keras_nhits.train` in-process: one line on stderr naming the key
and the problem, exit code 2, `--output` never created and the config file left as it was.
"""

import dataclasses
import json
import os

import numpy as np
import pytest

from keras_nhits.config import DataConfig, ModelConfig, NHITSTrainingConfig
from keras_nhits.errors import NHITSInputError
from tests.reliability.helpers import ONE_BACKEND, assert_one_error_line, run_in_process, snapshot

BIG = str(10**30)

# (case, file name, file text, words the one error line holds)
FILE_CASES = [
    ("tuple as text of non-integers", "c.json", '{"pool_sizes": "a,b"}', ["pool_sizes", "'a,b'"]),
    ("tuple of fractions", "c.json", '{"pool_sizes": [2.7, 2, 1]}', ["pool_sizes", "2.7"]),
    ("tuple as an object", "c.json", '{"pool_sizes": {"a": 1}}', ["pool_sizes", "list"]),
    ("null number", "c.json", '{"horizon": null}', ["horizon", "null"]),
    ("null text", "c.json", '{"data": null}', ["data", "null"]),
    ("null flag", "c.json", '{"quiet": null}', ["quiet", "null"]),
    ("fraction for a count", "c.json", '{"epochs": 2.5}', ["epochs", "whole number"]),
    ("huge float stride", "c.json", '{"stride": 1e30}', ["stride", "between 1 and"]),
    ("huge int stride", "c.json", f'{{"stride": {BIG}}}', ["stride", "between 1 and"]),
    ("huge windows_per_epoch", "c.json", '{"windows_per_epoch": 1e30}', ["windows_per_epoch"]),
    ("huge seed", "c.json", f'{{"seed": {2**200}}}', ["seed", "between 0 and"]),
    ("huge input_size", "c.json", f'{{"input_size": {BIG}}}', ["input_size", "between 1"]),
    ("huge epochs", "c.json", f'{{"epochs": {BIG}}}', ["epochs", "between 1"]),
    ("huge float for a float", "c.json", f'{{"lr": {"9" * 400}}}', ["lr"]),
    ("NaN", "c.json", '{"lr": NaN}', ["lr", "finite"]),
    ("infinite split", "c.json", '{"val_split": Infinity}', ["val_split", "finite"]),
    ("infinite count", "c.json", '{"hidden_size": 1e400}', ["hidden_size", "whole number"]),
    ("text for a flag", "c.json", '{"naive_level": "no"}', ["naive_level", "true or false"]),
    ("number for a text", "c.json", '{"loss": 3}', ["loss", "a text"]),
    ("negative count", "c.json", '{"batch_size": -4}', ["batch_size", "between 1"]),
    ("unknown key", "c.json", '{"horizn": 5}', ["horizn", "did you mean horizon"]),
    ("not an object", "c.json", "[1, 2]", ["table/object"]),
    ("nested 10,000 deep", "c.json", "[" * 10_000 + "]" * 10_000, ["nests too deeply"]),
    ("not JSON", "c.json", "{horizon: 5", ["not valid JSON"]),
    ("TOML tuple as text", "c.toml", 'pool_sizes = "a,b"\n', ["pool_sizes", "'a,b'"]),
    ("TOML huge stride", "c.toml", "stride = 1e30\n", ["stride", "between 1"]),
    ("TOML huge int", "c.toml", f"windows_per_epoch = {2**62}\n", ["windows_per_epoch"]),
    ("TOML table for a number", "c.toml", "[horizon]\na = 1\n", ["horizon", "an integer"]),
    (
        "TOML nested deep",
        "c.toml",
        "a = " + "[" * 10_000 + "]" * 10_000 + "\n",
        ["nests too deeply"],
    ),
    ("not TOML", "c.toml", "horizon = = 5\n", ["not valid TOML"]),
]


@ONE_BACKEND
@pytest.mark.parametrize(
    ("name", "text", "words"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_hostile_config_file_is_one_line_and_nothing_is_written(tmp_path, capfd, name, text, words):
    config = tmp_path / name
    config.write_text(text)
    before = snapshot(config)
    out = tmp_path / "out"
    result = run_in_process(["--config", config, "--output", out], capfd)
    assert_one_error_line(result, words)
    assert not out.exists()
    assert snapshot(config) == before


def _folder(tmp_path):
    (tmp_path / "cfg").mkdir()
    return tmp_path / "cfg"


def _binary(tmp_path):
    (tmp_path / "c.json").write_bytes(b"\xff\xfe\x00\x01PK\x03\x04" * 64)
    return tmp_path / "c.json"


def _huge(tmp_path):
    (tmp_path / "c.json").write_bytes(b"{" + b" " * (2 << 20) + b"}")
    return tmp_path / "c.json"


PATH_CASES = [
    ("a folder", _folder, ["is a folder"]),
    ("missing", lambda tmp_path: tmp_path / "missing.json", ["does not exist"]),
    ("binary, not UTF-8", _binary, ["not UTF-8"]),
    ("huge", _huge, ["bytes", "at most"]),
    ("a device", lambda tmp_path: "/dev/null", ["not a regular file"]),
]


@ONE_BACKEND
@pytest.mark.parametrize(
    ("make", "words"), [c[1:] for c in PATH_CASES], ids=[c[0] for c in PATH_CASES]
)
def test_config_path_that_is_not_a_config_file_is_one_line(tmp_path, capfd, make, words):
    config = make(tmp_path)
    out = tmp_path / "out"
    result = run_in_process(["--config", config, "--output", out], capfd)
    assert_one_error_line(result, words)
    assert not out.exists()


# (flag, value, words the one error line holds)
FLAG_CASES = [
    ("--stride", "1e30", ["--stride", "invalid int"]),
    ("--stride", BIG, ["stride", "between 1 and"]),
    ("--stride", "-1", ["stride", "between 1 and"]),
    ("--windows-per-epoch", BIG, ["windows_per_epoch"]),
    ("--seed", str(2**200), ["seed", "between 0 and"]),
    ("--input-size", BIG, ["input_size"]),
    ("--epochs", BIG, ["epochs"]),
    ("--patience", BIG, ["patience"]),
    ("--lr-decays", BIG, ["lr_decays"]),
    ("--season-length", BIG, ["season_length"]),
    ("--gpu", BIG, ["gpu"]),
    ("--freq-downsample", f"1,1,{BIG}", ["freq_downsample"]),
    ("--pool-sizes", "a,b", ["--pool-sizes", "comma-separated integers"]),
    ("--pool-sizes", "", ["pool_sizes", "one value per stack"]),
    ("--lr", "nan", ["lr", "finite"]),
    ("--lr", "inf", ["lr", "finite"]),
    ("--dropout", "nan", ["dropout", "finite"]),
    ("--val-split", "inf", ["val_split", "finite"]),
    ("--test-split", "1e300", ["test_split", "at most"]),
    ("--horizon", "", ["--horizon", "invalid int"]),
    ("--batch-size", "0", ["batch_size"]),
    ("--clipnorm", "1e308", ["clipnorm", "at most"]),
]


@ONE_BACKEND
@pytest.mark.parametrize(
    ("flag", "value", "words"), FLAG_CASES, ids=[f"{c[0]} {c[1][:12]!r}" for c in FLAG_CASES]
)
def test_hostile_flag_is_one_line_and_nothing_is_written(tmp_path, capfd, flag, value, words):
    out = tmp_path / "out"
    result = run_in_process([flag, value, "--output", out], capfd)
    assert_one_error_line(result, words)
    assert not out.exists()


def test_an_empty_output_is_refused_not_taken_as_the_current_folder(tmp_path, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    result = run_in_process(["--output", ""], capfd)
    assert_one_error_line(result, ["output must name the run's folder"])
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


# (case, call, words the NHITSInputError holds)
API_CASES = [
    ("unknown field", lambda: NHITSTrainingConfig(bogus=1), ["bogus"]),
    ("misspelt field", lambda: NHITSTrainingConfig(horizn=1), ["did you mean horizon"]),
    ("unknown model field", lambda: ModelConfig(hidden=8), ["hidden", "hidden_size"]),
    (
        "unknown field in replace",
        lambda: dataclasses.replace(NHITSTrainingConfig(), bogus=1),
        ["bogus"],
    ),
    (
        "a path for a config",
        lambda: NHITSTrainingConfig.coerce("runs/config.toml"),
        ["config must be an NHITSTrainingConfig", "str", "from_file"],
    ),
    ("a number for a config", lambda: NHITSTrainingConfig.coerce(3), ["int"]),
    ("unknown override", lambda: NHITSTrainingConfig.coerce(None, bogus=1), ["bogus"]),
    ("a number for a tuple", lambda: ModelConfig(pool_sizes=5), ["pool_sizes", "list"]),
    ("fractions in a tuple", lambda: ModelConfig(pool_sizes=(2.5, 2, 1)), ["pool_sizes", "2.5"]),
    ("text for a flag", lambda: NHITSTrainingConfig(naive_level="no"), ["naive_level"]),
    ("None for a text", lambda: NHITSTrainingConfig(data=None), ["data", "a text"]),
    ("huge stride", lambda: NHITSTrainingConfig(stride=10**30), ["stride"]),
    ("inf split", lambda: DataConfig(val_split=float("inf")), ["val_split must be a finite"]),
    ("huge float split", lambda: DataConfig(test_split=1e30), ["test_split must be >= 0.0"]),
    ("huge int split", lambda: DataConfig(val_split=10**30), ["val_split must be at most"]),
    ("bool split", lambda: DataConfig(val_split=True), ["val_split must be a number"]),
    (
        "no training part",
        lambda: NHITSTrainingConfig(val_split=0.5, test_split=0.5),
        ["val_split + test_split must leave data for training"],
    ),
    ("numpy bool", lambda: ModelConfig(horizon=np.bool_(True)), ["horizon must be an integer"]),
    ("not a dict", lambda: NHITSTrainingConfig.from_dict([("horizon", 5)]), ["table/object"]),
]


@pytest.mark.parametrize(
    ("call", "words"), [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES]
)
def test_python_api_refuses_hostile_values_by_name(call, words):
    with pytest.raises(NHITSInputError) as error:
        call()
    for word in words:
        assert word in str(error.value)


def test_numpy_scalars_are_kept_as_python_numbers_and_written_as_json():
    config = NHITSTrainingConfig(
        input_size=np.int64(48),
        horizon=np.int32(12),
        batch_size=np.int64(32),
        seed=np.uint32(7),
        val_split=np.float64(0.1),
        test_split=np.int64(24),
        dropout=np.float32(0.5),
        epochs=np.int16(2),
        lr=np.float64(1e-3),
    )
    values = config.to_dict()
    for name in ("input_size", "horizon", "batch_size", "seed", "test_split", "epochs"):
        assert type(values[name]) is int, name
    for name in ("val_split", "dropout", "lr"):
        assert type(values[name]) is float, name
    assert json.loads(json.dumps(values))["test_split"] == 24
    assert NHITSTrainingConfig.from_dict(values) == config


def test_whole_floats_are_integers_and_nothing_is_truncated(tmp_path):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"epochs": 2.0, "pool_sizes": [2.0, 2, 1], "lr": 1}))
    read = NHITSTrainingConfig.from_file(config)
    assert read.epochs == 2 and isinstance(read.epochs, int)
    assert read.pool_sizes == (2, 2, 1) and all(isinstance(v, int) for v in read.pool_sizes)
    assert read.lr == 1.0 and isinstance(read.lr, float)


def test_coerce_keeps_a_config_and_applies_overrides():
    config = NHITSTrainingConfig(horizon=12)
    assert NHITSTrainingConfig.coerce(config) is config
    assert NHITSTrainingConfig.coerce(None, horizon=6).horizon == 6
    assert NHITSTrainingConfig.coerce({"horizon": 6}).horizon == 6
