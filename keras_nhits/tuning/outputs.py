"""The files a search writes in its folder, from the study's trials (every process's).

    best.toml     the best completed trial as a `--config` file for `python -m keras_nhits.train`
    trials.csv    one row per trial: number, state, best validation loss, epochs, seconds, the
                  process that ran it, the drawn settings
    search.png    each trial's validation loss and the best so far (needs matplotlib)
    tune.json     the study, its storage (password hidden), counts by state, the best trial
    space.toml    the search space of the study, in the format `--space` reads

Each file is written atomically and rewritten after every trial, so a search killed at any
moment leaves whole files describing the trials finished so far.
"""

import io
import math
import os

from keras_nhits.saving.atomic import atomic_output, write_bytes_atomic, write_json_atomic
from keras_nhits.tuning.space import decode_choice, settings
from keras_nhits.tuning.toml_text import toml_document

__all__ = ["best_config", "write_outputs", "write_space"]

BEST_FILE = "best.toml"
TRIALS_FILE = "trials.csv"
PLOT_FILE = "search.png"
RECORD_FILE = "tune.json"
SPACE_FILE = "space.toml"
# Fields of a training config that best.toml leaves out: where the run writes, how it prints,
# the device, train's per-run options and the derived `distribution` (it follows `loss`).
NOT_IN_BEST = ("output", "config", "quiet", "gpu", "distribution", "checkpoint_dir")
NOT_IN_BEST += ("plot_series", "resume", "overwrite", "init_from", "export", "tensorboard")


def completed(study):
    """The study's completed trials (pruned and failed ones left out)."""
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def best_trial(study):
    """The completed trial of lowest validation loss (None before any completed)."""
    done = completed(study)
    return min(done, key=lambda t: (t.value, t.number)) if done else None


def best_config(config, study):
    """The `NHITSTrainingConfig` of the study's best trial (None before any completed)."""
    trial = best_trial(study)
    if trial is None:
        return None
    drawn = {name: decode_choice(name, value) for name, value in trial.params.items()}
    return config.training(**settings(config, drawn))


def write_space(folder, space, source):
    path = os.path.join(folder, SPACE_FILE)
    comments = [f"search space of this study ({source}); pass an edited copy with --space FILE"]
    write_bytes_atomic(path, toml_document(space.to_dict(), comments).encode())


def write_outputs(folder, config, study, shown_storage, plot=True):
    """Rewrites trials.csv, tune.json and best.toml (once a trial completed), and with `plot`
    search.png; returns whether the picture was drawn (False without matplotlib)."""
    trials = sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
    write_bytes_atomic(os.path.join(folder, TRIALS_FILE), _trials_csv(trials))
    best = best_trial(study)
    write_json_atomic(
        os.path.join(folder, RECORD_FILE), _record(config, trials, best, shown_storage)
    )
    if best is not None:
        chosen = best_config(config, study)
        values = {
            k: v for k, v in chosen.to_dict().items() if k not in NOT_IN_BEST and (k != "data" or v)
        }
        comments = [
            f"best trial {best.number} of study {config.study!r} ({shown_storage}): validation "
            f"loss {best.value:.6g} at epoch {best.user_attrs.get('best_epoch')}",
            "train it: python -m keras_nhits.train --config best.toml --output runs/best",
        ]
        write_bytes_atomic(
            os.path.join(folder, BEST_FILE), toml_document(values, comments).encode()
        )
    return _plot(os.path.join(folder, PLOT_FILE), trials) if plot else True


def _state(trial):
    name = trial.state.name.lower()
    return "skipped" if name == "fail" and "error" in trial.user_attrs else name


def _trials_csv(trials):
    import polars as pl

    names = []
    for trial in trials:
        names += [n for n in trial.params if n not in names]
    rows = []
    for t in trials:
        attrs = t.user_attrs
        value = t.value if t.value is not None else attrs.get("best_val_loss")
        rows.append(
            {
                "number": t.number,
                "state": _state(t),
                "val_loss": value,
                "best_epoch": attrs.get("best_epoch"),
                "epochs": attrs.get("epochs"),
                "pruned_at": attrs.get("pruned_at"),
                "seconds": attrs.get("seconds"),
                "worker": attrs.get("worker"),
                "started": t.datetime_start.isoformat(timespec="seconds")
                if t.datetime_start
                else None,
                **{n: _text(t.params.get(n)) for n in names},
                "note": attrs.get("error") or attrs.get("diverged"),
            }
        )
    schema = {
        "number": pl.Int64,
        "state": pl.String,
        "val_loss": pl.Float64,
        "best_epoch": pl.Int64,
        "epochs": pl.Int64,
        "pruned_at": pl.Int64,
        "seconds": pl.Float64,
        "worker": pl.String,
        "started": pl.String,
        **dict.fromkeys(names, pl.String),
        "note": pl.String,
    }
    buffer = io.BytesIO()
    pl.DataFrame(rows, schema=schema).write_csv(buffer)
    return buffer.getvalue()


def _text(value):
    return None if value is None else str(value)


def _record(config, trials, best, shown_storage):
    counts = {}
    for t in trials:
        counts[_state(t)] = counts.get(_state(t), 0) + 1
    return {
        "study": config.study,
        "storage": shown_storage,
        "trials": counts,
        "target_trials": config.trials,
        "best": None
        if best is None
        else {
            "number": best.number,
            "val_loss": best.value,
            "best_epoch": best.user_attrs.get("best_epoch"),
            "params": best.params,
        },
    }


def _plot(path, trials):
    """search.png: every scored trial's validation loss (pruned ones at their best so far) and
    the best completed so far; False when matplotlib is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    figure = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for state, marker, color in (("complete", "o", "tab:blue"), ("pruned", "x", "tab:gray")):
        points = [
            (t.number, t.value if t.value is not None else t.user_attrs.get("best_val_loss"))
            for t in trials
            if _state(t) == state
        ]
        points = [(n, v) for n, v in points if v is not None and math.isfinite(v)]
        if points:
            axes.scatter(*zip(*points), marker=marker, color=color, label=state)
    best, line = math.inf, []
    for t in trials:
        if _state(t) == "complete" and t.value < best:
            best = t.value
        if math.isfinite(best):
            line.append((t.number, best))
    if line:
        axes.step(*zip(*line), where="post", color="tab:orange", label="best so far")
    axes.set_xlabel("trial")
    axes.set_ylabel("validation loss")
    axes.set_title("hyperparameter search")
    axes.legend(loc="upper right")
    with atomic_output(path) as temp:
        figure.savefig(temp, format="png", dpi=100)
    return True
