"""Every command block of README.md and docs/ runs as written, in a fresh process, and does what
the page says it does.

Each page's ```bash and ```python blocks run in order in one folder of "the user's" files (the
names the pages use: prices.csv, prices.parquet, panel.parquet), each command in a new
interpreter, so that a later block sees what an earlier one wrote, as a reader following the page
would. Sizes are reduced where a page trains (`--epochs 1 --windows-per-epoch 128 --hidden-size
16`, `epochs=1` in Python), nothing else is changed. Each command's effect is then checked: a
training run's folder holds the model, its metrics and a config that records every flag of the
command; an export holds a SavedModel; a forecast file has `horizon` rows per series and no
weekend date for the business-day prices; a Python block's own asserts hold.

A line the test does not know how to run fails the test: either it is run here, or SKIPPED says
why not (a server, a benchmark on external data). Backend-independent: the TensorFlow pass only.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.reliability.helpers import ONE_BACKEND
from tests.synthetic import seasonal_frame

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
# Pages whose commands are benchmarks on the external datasets of ../shared: not a user's path
# to check here (benchmarks/ scripts have their own tests).
BENCHMARK_PAGES = {"docs/benchmarks.md"}
# Lines of a bash block that are not run, and why.
SKIPPED = {
    r"^make (train|test)\b": "the README's two commands: CI runs `make test`; "
    "test_make_train_trains_and_prints_the_quickstart_sample_output runs make train's command",
    r"^python3? -m venv ": "installs the package: the test runs in the installed environment",
    r"^\.venv/bin/pytest ": "the test suite itself",
    r"^(mkdir|cp) .*/models/": "TensorFlow Serving's model folder (needs docker)",
    r"^docker ": "needs a Docker engine and the TensorFlow Serving image",
    r"^curl ": "needs a running TensorFlow Serving",
    r"^(KERAS_BACKEND=\w+ )?python benchmarks/": "benchmark scripts (tests/benchmarks)",
    r"^pip install ": "installs packages: the test runs in the installed environment",
    r"--storage (postgresql|mysql)": "needs a database server that every host reaches",
}
# What a page takes as done before it starts, as a reader arrives from the quick start.
PAGE_SETUP = {
    "docs/serving.md": [
        "python -m keras_nhits.train --data prices.csv --time-col date --target close "
        "--input-size 120 --horizon 24 --output runs/close"
    ],
}
FAST_TRAIN = ["--epochs", "1", "--windows-per-epoch", "128", "--hidden-size", "16"]
# A search: two trials of two short epochs (the space's own widths and windows stay).
FAST_TUNE = ["--trials", "2", "--epochs", "2", "--windows-per-epoch", "128"]
BDAY_START = np.datetime64("2021-01-04")  # a Monday


# === The user's files ===


def write_user_files(folder):
    """The files the pages name, small: business-day prices, an hourly panel in long format."""
    rng = np.random.default_rng(0)
    days = np.busday_offset(BDAY_START, np.arange(400), roll="forward")
    close = 100 + np.cumsum(rng.normal(0, 1, days.size))
    prices = pl.DataFrame(
        {
            "date": days.astype("datetime64[D]"),
            "open": close + rng.normal(0, 0.3, days.size),
            "high": close + 1.0,
            "low": close - 1.0,
            "close": close,
        }
    )
    prices.write_csv(folder / "prices.csv")
    prices.write_parquet(folder / "prices.parquet")
    panel = seasonal_frame(n_series=3, steps=300, noise=0.2, prefix="store_", phase=0)
    panel.write_parquet(folder / "panel.parquet")
    write_nox_stand_in(folder / "nox_emissions.csv.gz", rng)


def write_nox_stand_in(path, rng, steps=700):
    """A file shaped like the NOx emissions data docs/covariates.md works on (hourly `time`,
    `LNOx` driven by the emissions `LNOxEm` and the wind `sqrtWS`, some hours missing): the
    real file is not in the repository."""
    hours = np.datetime64("1996-01-08T00:00", "us") + np.arange(steps) * np.timedelta64(1, "h")
    emissions = 7 + np.sin(2 * np.pi * np.arange(steps) / 24) + rng.normal(0, 0.2, steps)
    wind = np.abs(1.5 + rng.normal(0, 0.5, steps))
    nox = 0.8 * emissions - 0.6 * wind + rng.normal(0, 0.1, steps)
    keep = np.ones(steps, bool)
    keep[rng.choice(np.arange(24, steps - 48), 20, replace=False)] = False  # gaps, not at the end
    frame = pl.DataFrame(
        {"time": hours[keep], "LNOx": nox[keep], "LNOxEm": emissions[keep], "sqrtWS": wind[keep]}
    )
    import gzip

    with gzip.open(path, "wb") as handle:
        handle.write(frame.write_csv(datetime_format="%Y-%m-%d %H:%M:%S").encode())


# Names the Python blocks use without defining them, as a reader's own data would.
PYTHON_PRELUDE = """
import numpy as np
import polars as pl
_close = pl.read_csv("prices.csv")["close"].to_numpy().astype("float32")
last_120_values = last_120_closes = _close[-120:]
_t = np.arange(320)[:, None] + np.arange(576)[None, :]
_s = (100 + 10 * np.sin(2 * np.pi * _t / 24)).astype("float32")
x_train, y_train = _s[:256, :480], _s[:256, 480:]
x_test = _s[256:, :480]
"""


# === Reading the pages ===


def blocks(page):
    """`(language, text, line number)` of every fenced block of `page`, indented ones included."""
    text = (ROOT / page).read_text()
    found = []
    for match in re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", text, re.S | re.M):
        line = text[: match.start()].count("\n") + 1
        found.append((match.group(2), textwrap.dedent(match.group(3)), line))
    return found


def bash_commands(text):
    """The commands of a bash block: continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    commands = []
    for line in joined.splitlines():
        line = line.split(" #")[0].strip() if not line.lstrip().startswith("#") else ""
        if line:
            commands.append(line)
    return commands


def skip_reason(command):
    for pattern, reason in SKIPPED.items():
        if re.search(pattern, command):
            return reason
    return None


def keras_nhits_command(command):
    """`(environment, module, argv)` for `[VAR=x ...] python -m keras_nhits.MODULE ARGS`."""
    words = shlex.split(command)
    env = {}
    while words and re.match(r"^\w+=", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if len(words) >= 3 and words[0] in ("python", "python3") and words[1] == "-m":
        module = words[2]
        if module.startswith("keras_nhits."):
            return env, module.split(".", 1)[1], words[3:]
    return None


# === Running and checking ===


def run_python(folder, code, env=None):
    script = folder / "block.py"
    script.write_text(PYTHON_PRELUDE + "\n" + code)
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def reduced(code):
    """A Python block with its training shortened (epochs=1, small MLPs, few windows)."""
    code = re.sub(r"\bepochs=\d+", "epochs=1", code)
    return code.replace(
        "NHITSTrainingConfig(",
        "NHITSTrainingConfig(epochs=1, windows_per_epoch=128, hidden_size=16, ",
    )


def flag_values(argv):
    """`{field: value as text or True/False}` of the flags of a documented command."""
    values, i = {}, 0
    while i < len(argv):
        flag = argv[i]
        assert flag.startswith("--"), f"unexpected argument {flag!r} in {argv}"
        name = flag[2:].replace("-", "_")
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            values[name] = argv[i + 1]
            i += 2
        elif name.startswith("no_"):
            values[name[3:]] = False
            i += 1
        else:
            values[name] = True
            i += 1
    return values


def documented_flags(argv):
    """The flags of a documented command that FAST_TRAIN does not replace."""
    fast = flag_values(FAST_TRAIN)
    return {k: v for k, v in flag_values(argv).items() if k not in fast}


def same_value(recorded, given):
    if isinstance(recorded, bool) or isinstance(given, bool):
        return recorded == given
    if isinstance(recorded, list):
        return ",".join(str(v) for v in recorded) == given
    if isinstance(recorded, (int, float)):
        return float(recorded) == float(given)
    return str(recorded) == given


def check_train(folder, flags, stdout):
    output = folder / flags.get("output", "nhits_run")
    for name in ("model.keras", "model.safetensors", "config.json", "metrics.json"):
        assert (output / name).is_file(), f"{name} missing from {output}: {stdout[-500:]}"
    record = json.loads((output / "config.json").read_text())
    if "config" in flags:
        # The file's values reach the run, except where a flag on the command line replaces them.
        fast = flag_values(FAST_TRAIN)
        for name, value in read_config_file(folder / flags["config"]).items():
            if name not in flags and name not in fast:
                recorded = record["training"][name]
                assert recorded == value, (
                    f"{name} = {value!r} in the file, the run has {recorded!r}"
                )
    for name, given in flags.items():
        if name == "config":
            continue
        recorded = record["training"][name]
        assert same_value(recorded, given), f"--{name} {given}: the run recorded {recorded!r}"
    metrics = json.loads((output / "metrics.json").read_text())
    assert np.isfinite(metrics["test"]["mae"])
    assert "test MAE" in stdout
    if flags.get("export"):
        assert (output / "saved_model" / "saved_model.pb").is_file()


def read_config_file(path):
    import tomllib

    if path.suffix == ".toml":
        return tomllib.loads(path.read_text())
    return json.loads(path.read_text())


def check_export(folder, flags):
    saved = folder / flags["output"]
    assert (saved / "saved_model.pb").is_file()
    assert (saved / "variables").is_dir()


def check_predict(folder, flags, stdout):
    output = flags.get("output")
    record = json.loads((folder / flags["model"] / "config.json").read_text())
    horizon = record["model"]["horizon"]
    frame = pl.read_csv(folder / output) if output else pl.read_csv(stdout.encode())
    n_series = frame["unique_id"].n_unique() if "unique_id" in frame.columns else 1
    assert frame.height == horizon * n_series
    assert frame["forecast"].is_finite().all()
    time_col = record["data"]["columns"]["time"]
    if "prices" in flags["data"]:
        dates = frame[time_col].str.to_date().to_numpy().astype("datetime64[D]")
        assert np.is_busday(dates).all(), f"weekend dates in a business-day forecast: {dates}"
        last = pl.read_csv(folder / flags["data"])[time_col].str.to_date().max()
        assert dates[0] == np.busday_offset(np.datetime64(last, "D"), 1, roll="forward")


def check_backtest(folder, flags, stdout):
    """The forecasts file holds a row per series, cutoff and horizon step, its record scores
    the model beside the baselines (and lists the refits of `--refit`), business-day data
    keeps business-day dates."""
    record = json.loads((folder / flags["model"] / "config.json").read_text())
    horizon = record["model"]["horizon"]
    output = folder / flags["output"]
    frame = pl.read_csv(output)
    n_series = frame["unique_id"].n_unique() if "unique_id" in frame.columns else 1
    assert frame.height == n_series * int(flags["n_windows"]) * horizon
    assert frame["cutoff"].n_unique() == int(flags["n_windows"])
    scores = json.loads(output.with_suffix(".backtest.json").read_text())
    assert set(scores["overall"]) == {"model", "naive", "seasonal_naive"}
    if "refit" in flags:
        refits = scores["refit"]["refits"]
        assert len(refits) == -(-int(flags["n_windows"]) // int(flags["refit"]))
    time_col = record["data"]["columns"]["time"]
    if "prices" in flags["data"]:
        dates = frame[time_col].str.to_date().to_numpy().astype("datetime64[D]")
        assert np.is_busday(dates).all(), f"weekend dates in a business-day backtest: {dates}"
    assert "MAE model" in stdout


def check_tune(folder, flags, stdout):
    """The search folder holds a best.toml with the command's settings, a row per trial of
    the study (shared studies: every process's), and tune.json names the best trial."""
    import tomllib

    output = folder / flags.get("output", "nhits_tune")
    best = tomllib.loads((output / "best.toml").read_text())
    for name in ("horizon", "target", "time_col"):
        if name in flags:
            assert same_value(best[name], flags[name]), f"--{name}: best.toml has {best[name]}"
    rows = pl.read_csv(output / "trials.csv")
    assert rows.height >= int(FAST_TUNE[1])
    record = json.loads((output / "tune.json").read_text())
    assert (
        record["best"]["val_loss"] == rows.filter(pl.col("state") == "complete")["val_loss"].min()
    )
    if "space" in flags:
        assert set(record["best"]["params"]) == set(read_config_file(folder / flags["space"]))
    assert "best trial" in stdout


def run_page(page, folder):
    """Runs every block of `page` in `folder`; returns what ran, for the caller's checks."""
    ran = []
    setup = [("bash", "\n".join(PAGE_SETUP[page]), 0)] if page in PAGE_SETUP else []
    for language, text, line in setup + blocks(page):
        where = f"{page}:{line}"
        if language == "python":
            result = run_python(folder, reduced(text))
            assert result.returncode == 0, f"{where}: {result.stderr[-3000:]}"
            ran.append((where, "python", None, result))
            continue
        if language in ("toml", "json"):
            # A file the page shows and names in its first line (`# run.toml`): the reader
            # saves it, so the test does.
            name = re.match(r"^(?:#|//) *([\w.-]+\.(?:toml|json))\n", text)
            if name:
                (folder / name.group(1)).write_text(text.split("\n", 1)[1])
            continue
        if language != "bash":
            continue
        for command in bash_commands(text):
            if skip_reason(command):
                continue
            parsed = keras_nhits_command(command)
            assert parsed, f"{where}: the test does not know how to run {command!r}"
            env, module, argv = parsed
            extra = {"train": FAST_TRAIN, "tune": FAST_TUNE}.get(module, [])
            result = subprocess.run(
                [sys.executable, "-m", f"keras_nhits.{module}", *argv, *extra],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=600,
                env={**os.environ, **env},
            )
            assert result.returncode == 0, f"{where}: {command}\n{result.stderr[-3000:]}"
            flags = documented_flags(argv)
            if module == "train":
                check_train(folder, flags, result.stdout)
            elif module == "export":
                check_export(folder, flags)
            elif module == "predict":
                check_predict(folder, flags, result.stdout)
            elif module == "backtest":
                check_backtest(folder, flags, result.stdout)
            elif module == "tune":
                check_tune(folder, flag_values(argv), result.stdout)
            else:
                pytest.fail(f"{where}: unknown command keras_nhits.{module}")
            ran.append((where, module, flags, result))
    return ran


def runs_something(page):
    """Whether `page` has a Python block or a bash line that is not skipped."""
    for language, text, _ in blocks(page):
        if language == "python":
            return True
        if language == "bash" and any(not skip_reason(c) for c in bash_commands(text)):
            return True
    return False


RUNNABLE = [page for page in PAGES if page not in BENCHMARK_PAGES and runs_something(page)]


@ONE_BACKEND
@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE)
def test_every_command_of_the_page_runs_and_does_what_it_says(page, tmp_path):
    write_user_files(tmp_path)
    ran = run_page(page, tmp_path)
    assert ran, f"{page} has blocks but none ran"


def test_every_unrun_command_has_a_reason():
    """A page's bash line is either a keras_nhits command (run above) or listed in SKIPPED."""
    for page in PAGES:
        if page in BENCHMARK_PAGES:
            continue
        for language, text, line in blocks(page):
            if language != "bash":
                continue
            for command in bash_commands(text):
                known = skip_reason(command) or keras_nhits_command(command)
                assert known, f"{page}:{line}: {command!r} is neither run nor skipped"


# === The sample output on the quick start page ===


def sample_output_patterns():
    """The quick start's sample output lines as patterns: numbers and the verdict against the
    baselines vary, `...` stands for more."""
    text = (ROOT / "docs/quickstart.md").read_text()
    command = "```bash\npython -m keras_nhits.train --output runs/sample\n```"
    match = re.search(re.escape(command) + r".*?```\n(.*?)```", text, re.S)
    assert match, "docs/quickstart.md lost its sample output block"
    patterns = []
    for line in match.group(1).strip().splitlines():
        parts = [re.escape(p) for p in re.split(r"\.\.\.", line)]
        pattern = ".*".join(parts)
        pattern = re.sub(r"\d+(?:\\\.\d+)?", r"[-+\\d.e]+", pattern)
        # A one-epoch run loses where the documented run wins: the verdict's words vary too.
        pattern = pattern.replace(r"beats\ ", r"(?:beats|worse\ than)\ ")
        patterns.append((line, re.compile(pattern)))
    return patterns


@ONE_BACKEND
@pytest.mark.slow
def test_make_train_trains_and_prints_the_quickstart_sample_output(tmp_path):
    """`make train` runs `python -m keras_nhits.train $(TRAIN_FLAGS)`, the run whose output the
    quick start shows: those flags train (the run's folder checked as above), and every line of
    the sample output is printed (numbers aside)."""
    makefile = (ROOT / "Makefile").read_text()
    flags = shlex.split(re.search(r"^TRAIN_FLAGS = (.*)$", makefile, re.M).group(1))
    result = subprocess.run(
        [sys.executable, "-m", "keras_nhits.train", *flags, *FAST_TRAIN],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    check_train(tmp_path, documented_flags(flags), result.stdout)
    printed = result.stdout.splitlines()
    for line, pattern in sample_output_patterns():
        assert any(pattern.search(p) for p in printed), (
            f"the quick start shows {line!r}; the command printed:\n{result.stdout[-3000:]}"
        )
