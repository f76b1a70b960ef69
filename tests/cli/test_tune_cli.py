"""`python -m keras_nhits.tune` the way a user meets it: the documented command in a fresh
process, its best config trained by `train --config`, a search killed and started again, two
processes sharing one SQLite study, and bad input refused in one line with nothing written.

The command-line path does not depend on the backend: it runs in the TensorFlow pass only
(`ONE_BACKEND`); tests/tuning/test_search.py runs the search itself on every backend.
"""

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib

import optuna
import pytest

from tests.reliability.helpers import (
    ONE_BACKEND,
    CliResult,
    assert_one_error_line,
    environment,
    run_in_process,
    run_subprocess,
    snapshot,
)
from tests.synthetic import seasonal_frame

pytestmark = ONE_BACKEND

SPACE = "[lr]\nlow = 1e-3\nhigh = 3e-2\nlog = true\n\n[hidden_size]\nchoices = [8, 16]\n"
TINY = ["--horizon", "6", "--input-size", "24", "--batch-size", "64"]
TINY += ["--windows-per-epoch", "256", "--epochs", "3", "--quiet"]


@pytest.fixture
def user(tmp_path):
    """A user's folder: a CSV of two hourly series and a space file."""
    seasonal_frame(2, 400).write_csv(tmp_path / "prices.csv")
    (tmp_path / "space.toml").write_text(SPACE)
    return tmp_path


def _flags(user):
    return ["--data", user / "prices.csv", "--space", user / "space.toml", *TINY]


def _tune(user, *flags, output="tune"):
    return run_subprocess(
        [*_flags(user), "--output", user / output, *flags], module="keras_nhits.tune"
    )


def _trials(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_documented_command_searches_and_its_best_config_trains(user):
    result = _tune(user, "--trials", "3")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    out = user / "tune"
    assert "0 of 3 trials finished" in result.stdout
    rows = _trials(out / "trials.csv")
    assert [r["number"] for r in rows] == ["0", "1", "2"]
    assert {r["state"] for r in rows} <= {"complete", "pruned"}
    record = json.loads((out / "tune.json").read_text())
    best = record["best"]
    assert best["val_loss"] == min(float(r["val_loss"]) for r in rows if r["state"] == "complete")
    chosen = tomllib.loads((out / "best.toml").read_text())
    assert chosen["lr"] == best["params"]["lr"]
    assert chosen["hidden_size"] == best["params"]["hidden_size"]
    assert (out / "search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert tomllib.loads((out / "space.toml").read_text())["hidden_size"] == {"choices": [8, 16]}

    # The promise: train --config best.toml reproduces the best trial's validation loss.
    run = user / "best_run"
    trained = run_subprocess(
        ["--config", out / "best.toml", "--data", user / "prices.csv", "--output", run]
    )
    assert trained.code == 0, trained.stderr
    metrics = json.loads((run / "metrics.json").read_text())
    val = min(r["val_loss"] for r in metrics["history"])
    assert val == pytest.approx(best["val_loss"], rel=1e-6)
    assert "mae" in metrics["test"]  # the training run reports the test split, the search never


def test_a_rerun_continues_the_study_and_keeps_its_trials(user):
    first = _tune(user, "--trials", "2")
    assert first.code == 0, first.stderr
    before = _trials(user / "tune" / "trials.csv")
    again = _tune(user, "--trials", "4")
    assert again.code == 0, again.stderr
    assert "2 of 4 trials finished" in again.stdout
    after = _trials(user / "tune" / "trials.csv")
    assert len(after) == 4
    assert after[:2] == before  # the earlier trials, unchanged
    done = _tune(user, "--trials", "4")
    assert done.code == 0 and "4 of 4 trials finished" in done.stdout
    assert len(_trials(user / "tune" / "trials.csv")) == 4  # nothing more to run


def _finished(db):
    """Completed or pruned trials in the SQLite study (read-only, as another process would)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as handle:
            rows = handle.execute(
                "SELECT number FROM trials WHERE state IN ('COMPLETE', 'PRUNED')"
            ).fetchall()
    except sqlite3.Error:
        return 0
    return len(rows)


def _start(user, *flags, output="tune"):
    argv = [*_flags(user), "--output", user / output, *flags]
    return subprocess.Popen(
        [sys.executable, "-m", "keras_nhits.tune", *[str(a) for a in argv]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )


def test_a_search_killed_mid_trial_continues_with_its_finished_trials(user):
    process = _start(user, "--trials", "6", "--epochs", "6")
    db = user / "tune" / "study.db"
    deadline = time.monotonic() + 300
    while _finished(db) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)  # no chance to clean up: a power cut
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    storage = "sqlite:///" + str(db)
    kept = {
        t.number: (t.state.name, t.value)
        for t in optuna.load_study(study_name="nhits", storage=storage).trials
        if t.state.name in ("COMPLETE", "PRUNED")
    }
    assert len(kept) >= 2

    again = _tune(user, "--trials", "6", "--epochs", "6")
    assert again.code == 0, again.stderr
    assert f"{len(kept)} of 6 trials finished" in again.stdout
    study = optuna.load_study(study_name="nhits", storage=storage)
    for number, (state, value) in kept.items():
        assert (study.trials[number].state.name, study.trials[number].value) == (state, value)
    finished = [t for t in study.trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) == 6
    # At most the trial that was running is lost: it is not counted, and no more than one.
    lost = [t for t in study.trials if t.state.name in ("RUNNING", "FAIL")]
    assert len(lost) <= 1
    assert len(_trials(user / "tune" / "trials.csv")) == len(study.trials)


def test_two_processes_on_one_sqlite_study_run_distinct_trials(user):
    storage = f"sqlite:///{user / 'shared.db'}"
    # Trials of several seconds, so that neither process finishes the study before the other
    # has started (the second may start a few seconds later on a loaded machine).
    flags = ["--trials", "8", "--epochs", "8", "--windows-per-epoch", "512"]
    flags += ["--storage", storage, "--study", "shared"]
    processes = [_start(user, *flags, output=f"tune_{i}") for i in range(2)]
    outputs = [p.communicate(timeout=600) for p in processes]
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err
    study = optuna.load_study(study_name="shared", storage=storage)
    finished = [t for t in study.trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) >= 8  # each process may finish the trial it was running: up to 9
    workers = {t.user_attrs["worker"] for t in study.trials}
    pids = {f"{os.uname().nodename}:{p.pid}" for p in processes}
    assert pids == workers, (workers, [out for out, _ in outputs])
    rates = [t.params["lr"] for t in study.trials]
    assert len(set(rates)) == len(rates)  # no point drawn twice: each its own trial
    assert len({t.number for t in study.trials}) == len(study.trials)
    # Both folders describe the whole shared study.
    last = [_trials(user / f"tune_{i}" / "trials.csv") for i in range(2)]
    assert max(len(rows) for rows in last) == len(study.trials)


def _users_db(user):
    path = user / "ledger.db"
    with sqlite3.connect(path) as handle:
        handle.execute("CREATE TABLE trades (id INTEGER)")
    return ["--storage", f"sqlite:///{path}"], ["not a study database", "nothing was changed"]


def _unknown_parameter(user):
    (user / "space.toml").write_text("[hiden_size]\nchoices = [8]\n")
    return [], ["hiden_size", "hidden_size"]


def _empty_range(user):
    (user / "space.toml").write_text("[lr]\nlow = 0.1\nhigh = 0.01\n")
    return [], ["empty range", "lr"]


def _user_files_in_output(user):
    (user / "tune").mkdir()
    (user / "tune" / "notes.txt").write_text("my notes\n")
    return [], ["--output", "notes.txt", "nothing was changed"]


BAD = {
    "zero_trials": lambda user: (["--trials", "0"], ["trials", "0"]),
    "an_unknown_parameter_in_the_space": _unknown_parameter,
    "an_empty_range": _empty_range,
    "an_unreachable_sqlite_folder": lambda user: (
        ["--storage", f"sqlite:///{user / 'missing' / 'study.db'}"],
        ["does not exist"],
    ),
    "a_server_without_its_driver": lambda user: (
        ["--storage", "mysql+pymysql://bob:secret@127.0.0.1:9/studies"],
        ["pymysql driver", "pip install PyMySQL"],
    ),
    "an_unreachable_server": lambda user: (
        ["--storage", "postgresql://bob:secret@127.0.0.1:9/studies"],
        ["postgresql://bob:***@127.0.0.1:9/studies cannot be reached"],
    ),
    "an_unsupported_database": lambda user: (
        ["--storage", "oracle://bob:secret@127.0.0.1/studies"],
        ["oracle is not supported"],
    ),
    "an_in_memory_database": lambda user: (["--storage", "sqlite://"], ["in memory"]),
    "a_database_of_the_users": _users_db,
    "the_users_files_as_output": _user_files_in_output,
    "resume": lambda user: (["--resume"], ["--resume does not apply", "same command"]),
    "no_validation_split": lambda user: (["--val-split", "0"], ["no validation window"]),
    "series_too_short_for_every_window": lambda user: (
        ["--input-size", "2000"],
        ["no series is long enough", "2006"],
    ),
}


@pytest.mark.parametrize("make", BAD.values(), ids=BAD.keys())
def test_bad_input_is_one_line_exit_2_and_writes_nothing(user, make, capfd):
    from keras_nhits.cli import tune

    flags, words = make(user)
    before = snapshot(user)
    result = run_in_process(
        [*_flags(user), "--output", user / "tune", "--trials", "2", *flags],
        capfd,
        main=tune.main,
    )
    line = assert_one_error_line(result, words)
    assert "secret" not in line  # a password in a URL is never shown
    assert snapshot(user) == before


def test_continuing_a_study_with_other_settings_is_refused_by_name(user, capfd):
    from keras_nhits.cli import tune

    first = _tune(user, "--trials", "1")
    assert first.code == 0, first.stderr
    before = snapshot(user)
    argv = [*_flags(user), "--output", user / "tune", "--trials", "2", "--lr-decays", "2"]
    result = run_in_process(argv, capfd, main=tune.main)
    assert_one_error_line(result, ["another settings", "lr_decays", "new --study"])
    assert snapshot(user) == before


def test_without_optuna_tune_says_how_to_install_it(user):
    code = (
        "import sys; sys.modules['optuna'] = None\n"
        "from keras_nhits.cli.tune import run_command\n"
        f"sys.exit(run_command({[str(a) for a in _flags(user)]!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    result = CliResult(done.returncode, done.stdout, done.stderr)
    assert_one_error_line(result, ["Optuna", "pip install 'keras-nhits[tune]'"])
    assert not (user / "nhits_tune").exists()
