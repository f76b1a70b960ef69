"""`--help` says what each flag does, each default once; Ctrl-C says what was kept."""

import re

import pytest

from keras_nhits.cli import common as cli
from keras_nhits.config import NHITSTrainingConfig


def _train_help(capsys):
    with pytest.raises(SystemExit):
        cli.OneLineArgumentParser(NHITSTrainingConfig, prog="train").parse_args(["--help"])
    return capsys.readouterr().out


def _flag_helps(text):
    """`{flag: its help text on one line}` from argparse's help output."""
    helps, flag = {}, None
    for line in text.split("options:", 1)[1].splitlines():
        match = re.match(r"\s{2}(-{1,2}[\w-]+)", line)
        if match:
            flag = match.group(1)
            line = line[match.end() :]
            line = re.sub(r"^ [A-Z_]+", "", line)
        if flag:
            helps[flag] = (helps.get(flag, "") + " " + line.strip()).strip()
    return helps


def test_no_naive_level_help_says_the_flag_turns_the_naive_level_off(capsys):
    text = _flag_helps(_train_help(capsys))["--no-naive-level"]
    assert text.startswith("turn off (on by default): start the forecast from the window's")
    assert "(default: on)" not in text


def test_train_help_shows_each_default_once(capsys):
    helps = _flag_helps(_train_help(capsys))
    assert helps["--horizon"].endswith("(default: 24)")
    assert helps["--pool-sizes"].endswith("(default: 2,2,1)")
    assert helps["--data"].endswith("(default: the bundled ETTh1 sample)")
    for flag, text in helps.items():
        assert text.count("default") <= 1, (flag, text)
        assert "(default: )" not in text, (flag, text)


def _command_help(module, capsys):
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    assert exit_.value.code == 0
    return _flag_helps(capsys.readouterr().out)


def test_predict_help_is_generated_from_its_config_with_each_default_once(capsys):
    from keras_nhits.cli import predict

    helps = _command_help(predict, capsys)
    assert helps["--model"] == "run folder, SavedModel folder or .keras"
    assert helps["--output"] == "forecast file (.csv or .parquet) (default: CSV on stdout)"
    assert helps["--target"] == "target column(s) (default: the run's)"
    assert helps["--fill"].endswith("missing target values (default: the run's, else error)")
    for flag, text in helps.items():
        assert text.count("default") <= 1, (flag, text)


def test_export_help_lists_its_two_flags(capsys):
    from keras_nhits.cli import export

    helps = _command_help(export, capsys)
    assert helps["--model"] == "run folder (config.json + safetensors)"
    assert helps["--output"] == "SavedModel folder to write"


@pytest.mark.parametrize(
    ("command", "argv", "missing"),
    [
        ("predict", [], "--model, --data"),
        ("predict", ["--model", "run"], "--data"),
        ("export", ["--output", "saved"], "--model"),
    ],
)
def test_required_flags_are_refused_in_one_line_exit_2(capsys, command, argv, missing):
    import importlib

    module = importlib.import_module(f"keras_nhits.cli.{command}")
    with pytest.raises(SystemExit) as exit_:
        module.main(argv)
    assert exit_.value.code == cli.EXIT_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"python -m keras_nhits.{command}: error: the following arguments are required: "
        f"{missing} (see --help)"
    ]


def test_predict_config_refuses_a_bad_field_by_name():
    from keras_nhits.errors import NHITSInputError
    from keras_nhits.serving.config import PredictConfig

    for values, name in (
        ({"fill": "bad"}, "fill"),
        ({"freq": "M"}, "--freq"),
        ({"id_col": 3}, "id_col"),
    ):
        with pytest.raises(NHITSInputError, match=re.escape(name)):
            PredictConfig(model="run", data="data.csv", **values)


def test_predict_flags_override_the_run_settings_and_none_keeps_them():
    from keras_nhits.serving.config import PredictConfig

    config = PredictConfig(model="run", data="data.csv", fill="ffill", freq="")
    options = config.reader_options({"target": "close", "fill": "zero", "freq": "h"})
    assert options == {
        "target": "close",
        "time_col": "",
        "id_col": "",
        "fill": "ffill",
        "gaps": "warn",
        "freq": "",
    }


def _interrupted(argv):
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("resumable", "message"),
    [
        (True, "interrupted: completed epochs are checkpointed; rerun with --resume"),
        (False, "interrupted; nothing was written"),
    ],
)
def test_ctrl_c_says_resume_only_for_train(capfd, resumable, message):
    capfd.readouterr()
    code = cli.run(_interrupted, [], resumable=resumable)
    assert code == cli.EXIT_INTERRUPTED
    assert capfd.readouterr().err.strip().splitlines() == [message]


def test_ctrl_c_in_train_says_resume(capfd, monkeypatch):
    from keras_nhits.cli import train

    monkeypatch.setattr(train, "main", _interrupted)
    capfd.readouterr()
    assert train.run_command([]) == cli.EXIT_INTERRUPTED
    assert "rerun with --resume" in capfd.readouterr().err
