"""`--config FILE` reaches the run: the file's values are what the run used, and only the flags
typed on the command line override them."""

import json

from tests.reliability.helpers import ONE_BACKEND, hourly_frame, run_subprocess

# Tiny sizes, all from the file: none of them is a default, so a default that overrode the file
# would show in the run's config.json.
FILE_VALUES = {
    "horizon": 5,
    "input_size": 20,
    "epochs": 1,
    "hidden_size": 8,
    "n_layers": 1,
    "loss": "mse",
    "seed": 7,
    "windows_per_epoch": 64,
    "jit_compile": "off",
    "quiet": True,
}


def _run_record(folder):
    return json.loads((folder / "config.json").read_text())


def _assert_file_values_reached_the_run(record, seed):
    training, model = record["training"], record["model"]
    for key in ("horizon", "input_size", "epochs", "hidden_size", "n_layers", "loss"):
        assert training[key] == FILE_VALUES[key], key
    for key in ("horizon", "input_size", "hidden_size", "n_layers"):
        assert model[key] == FILE_VALUES[key], key
    assert training["seed"] == seed


@ONE_BACKEND
def test_json_config_file_reaches_a_fresh_run_and_a_typed_flag_beats_it(tmp_path):
    data = tmp_path / "tiny.csv"
    hourly_frame().write_csv(data)
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(FILE_VALUES))
    out = tmp_path / "out"
    result = run_subprocess(
        ["--config", config, "--data", data, "--output", out, "--seed", "9", "--gpu", "-1"]
    )
    assert result.code == 0, result.stderr
    _assert_file_values_reached_the_run(_run_record(out), seed=9)


def test_toml_config_file_is_read_the_same_and_a_typed_flag_beats_it(tmp_path):
    # The JSON case above proves a file's values reach the run folder; this one that TOML is
    # read into the same config (training would add nothing but seconds).
    from keras_nhits.cli.common import config_from_argv
    from keras_nhits.config import NHITSTrainingConfig

    lines = [f"{k} = {json.dumps(v)}" for k, v in FILE_VALUES.items()]
    lines.append('pool_sizes = "2,2,1"')  # the CLI's text form of a list
    config = tmp_path / "cfg.toml"
    config.write_text("\n".join(lines) + "\n")
    argv = ["--config", str(config), "--loss", "huber"]
    resolved = config_from_argv(NHITSTrainingConfig, argv, "train", "")
    for key, value in FILE_VALUES.items():
        if key != "loss":
            assert getattr(resolved, key) == value, key
    assert resolved.loss == "huber"
    assert resolved.pool_sizes == (2, 2, 1)


def test_only_typed_flags_are_given():
    from keras_nhits.cli.common import OneLineArgumentParser
    from keras_nhits.config import NHITSTrainingConfig

    parser = OneLineArgumentParser(NHITSTrainingConfig, prog="train")
    given = parser.given_flags(["--horizon", "7", "--no-naive-level", "--quiet"])
    assert given == {"horizon": 7, "naive_level": False, "quiet": True}
    assert parser.given_flags([]) == {}


def test_config_values_survive_a_flag_that_fixes_another_field(tmp_path):
    # The file alone is refused (3 pooling sizes for 2 stacks); the typed flags complete it.
    from keras_nhits.cli.common import config_from_argv
    from keras_nhits.config import NHITSTrainingConfig

    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"n_stacks": 2, "horizon": 5}))
    argv = ["--config", str(config), "--pool-sizes", "2,1", "--freq-downsample", "2,1"]
    resolved = config_from_argv(NHITSTrainingConfig, argv, "train", "")
    assert (resolved.n_stacks, resolved.horizon, resolved.pool_sizes) == (2, 5, (2, 1))
