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


def test_shared_parser_shows_a_default_once_and_no_empty_one(capsys):
    parser = cli.argument_parser("predict", "forecast")
    parser.add_argument("--model", required=True, help="run folder")
    parser.add_argument("--output", default="", help="forecast file (default: stdout)")
    parser.add_argument("--target", default=None, help="target column(s) (default: the run's)")
    parser.add_argument("--fill", default="error", help="missing values")
    parser.add_argument("--quiet", action="store_true", help="fewer lines")
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    helps = _flag_helps(capsys.readouterr().out)
    assert helps["--model"] == "run folder"
    assert helps["--output"] == "forecast file (default: stdout)"
    assert helps["--target"] == "target column(s) (default: the run's)"
    assert helps["--fill"] == "missing values (default: error)"
    assert helps["--quiet"] == "fewer lines"


def test_shared_parser_errors_are_one_line_exit_2(capsys):
    parser = cli.argument_parser("predict", "forecast")
    parser.add_argument("--model", required=True)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args([])
    assert exit_.value.code == cli.EXIT_INPUT
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


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
