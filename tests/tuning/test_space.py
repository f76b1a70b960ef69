"""The search space: what a space file may say, what a trial draws from it, and the TOML the
search writes reading back equal. Pure Python (no training): runs on every backend in seconds."""

import tomllib

import optuna
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.tuning.config import TuneConfig
from keras_nhits.tuning.space import default_space, read_space, settings
from keras_nhits.tuning.toml_text import toml_document

BASE = TuneConfig(horizon=12, input_size=48, epochs=20)


def _drawn(space, n=30, seed=0):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append(space.suggest(trial))
        study.tell(trial, 0.0)
    return out


def test_every_draw_of_the_default_space_is_a_valid_training_config():
    space = read_space(default_space(BASE), BASE)
    assert space.names[0] == "input_size_multiple"
    for drawn in _drawn(space):
        config = BASE.training(**settings(BASE, drawn))
        assert config.input_size == drawn["input_size_multiple"] * 12
        assert isinstance(config.pool_sizes, tuple) and len(config.pool_sizes) == 3
        assert 1e-4 <= config.lr <= 1e-2
        assert config.epochs in (5, 10, 20)  # a quarter, a half or all of --epochs
        assert round(config.dropout * 10) == pytest.approx(config.dropout * 10)


def test_a_range_of_an_integer_setting_draws_integers_and_a_log_range_stays_inside():
    space = read_space(
        {"hidden_size": {"low": 8, "high": 64, "log": True}, "lr": {"low": 1e-5, "high": 1e-3}},
        BASE,
    )
    for drawn in _drawn(space):
        assert isinstance(drawn["hidden_size"], int) and 8 <= drawn["hidden_size"] <= 64
        assert 1e-5 <= drawn["lr"] <= 1e-3


def test_tuple_choices_are_read_as_lists_or_text_and_drawn_as_tuples():
    space = read_space({"pool_sizes": {"choices": [[4, 2, 1], "8,4,1"]}}, BASE)
    assert {d["pool_sizes"] for d in _drawn(space)} == {(4, 2, 1), (8, 4, 1)}


def test_the_space_written_reads_back_as_the_same_space():
    space = read_space(default_space(BASE), BASE)
    text = toml_document(space.to_dict(), ["a comment"])
    assert read_space(tomllib.loads(text), BASE) == space


def test_a_config_written_as_toml_reads_back_equal():
    values = {"name": 'a "quoted" \\ text\n', "ratio": 1e-4, "big": 10**15, "ok": False}
    values |= {"sizes": [2, 2, 1], "empty": [], "unicode": "µs"}
    assert tomllib.loads(toml_document(values, ["x"])) == values


BAD_SPACES = {
    "an_unknown_parameter": ({"hiden_size": {"choices": [8]}}, ["hiden_size", "hidden_size"]),
    "an_empty_range": ({"lr": {"low": 1e-2, "high": 1e-4}}, ["empty range", "lr"]),
    "empty_choices": ({"hidden_size": {"choices": []}}, ["non-empty list", "hidden_size"]),
    "duplicate_choices": ({"hidden_size": {"choices": [8, 8]}}, ["twice", "8"]),
    "a_log_range_from_zero": ({"lr": {"low": 0.0, "high": 1e-2, "log": True}}, ["above 0"]),
    "log_and_step": ({"lr": {"low": 1e-4, "high": 1e-2, "log": True, "step": 1e-4}}, ["not both"]),
    "an_unknown_key": ({"lr": {"lo": 1e-4, "high": 1e-2}}, ["lo", "low"]),
    "a_bare_value": ({"lr": 0.001}, ["must be a table"]),
    "a_fraction_for_an_integer": ({"hidden_size": {"low": 8.5, "high": 16}}, ["whole number"]),
    "a_range_of_text": ({"scaler": {"low": 1, "high": 2}}, ["not a number"]),
    "a_choice_that_cannot_train": ({"dropout": {"choices": [0.1, 1.5]}}, ["1.5", "dropout"]),
    "a_wrong_type_of_choice": ({"scaler": {"choices": ["robust", 3]}}, ["str", "scaler"]),
    "a_bad_tuple": ({"pool_sizes": {"choices": [[2, 2]]}}, ["one value per stack"]),
    "the_loss": ({"loss": {"choices": ["mae", "mse"]}}, ["not searchable", "--loss"]),
    "the_series_scaler": ({"series_scaler": {"choices": ["none"]}}, ["units"]),
    "the_seed": ({"seed": {"low": 1, "high": 5}}, ["noise"]),
    "both_input_forms": (
        {"input_size": {"choices": [24]}, "input_size_multiple": {"choices": [2]}},
        ["keep one"],
    ),
    "nothing": ({}, ["no parameter"]),
}


@pytest.mark.parametrize("tables, words", BAD_SPACES.values(), ids=BAD_SPACES.keys())
def test_a_bad_space_is_refused_naming_the_parameter(tables, words):
    with pytest.raises(NHITSInputError) as error:
        read_space(tables, BASE, "space.toml")
    for word in words:
        assert word in str(error.value), str(error.value)


@pytest.mark.parametrize(
    "values, words",
    [
        ({"trials": 0}, ["trials", "0"]),
        ({"resume": True}, ["--resume does not apply"]),
        ({"export": True}, ["--export does not apply", "best.toml"]),
        ({"study": ""}, ["study must be a name"]),
        ({"timeout": -1.0}, ["timeout"]),
    ],
)
def test_a_search_setting_out_of_range_is_refused(values, words):
    with pytest.raises(NHITSInputError) as error:
        TuneConfig(**values)
    for word in words:
        assert word in str(error.value), str(error.value)
