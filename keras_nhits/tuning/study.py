"""The Optuna study of a search: created or continued, its sampler and pruner, its progress.

A study remembers what it searches: its first process records the training settings and the
space as the study's attribute `keras_nhits`, and a process that continues it with other ones is
refused, naming the settings that differ, so the trials of one study always compare like with
like. The sampler is Optuna's TPE (random draws for the first trials, then a model of the good
and bad regions; with several processes each assumes the others' running trials went badly, its
"constant liar", so they do not all draw the same point). The pruner stops a trial whose best
validation loss so far is in the worst quarter of the earlier trials' at the same epoch, from
the second epoch on and once three trials have completed.
"""

import json

from keras_nhits import __version__
from keras_nhits.errors import NHITSInputError, name_list

__all__ = ["ATTRIBUTE", "finished_count", "open_study"]

ATTRIBUTE = "keras_nhits"
PRUNE_PERCENTILE = 75.0
PRUNE_AFTER_TRIALS = 3
PRUNE_AFTER_EPOCHS = 2  # Optuna's warm-up steps: the first epoch a trial may be pruned at


def open_study(storage, config, space):
    """The study `config.study` in `storage` (created when new), checked to be this search."""
    import optuna

    pruner = (
        optuna.pruners.PercentilePruner(
            PRUNE_PERCENTILE,
            n_startup_trials=PRUNE_AFTER_TRIALS,
            n_warmup_steps=PRUNE_AFTER_EPOCHS,
        )
        if config.prune
        else optuna.pruners.NopPruner()
    )
    sampler = optuna.samplers.TPESampler(
        n_startup_trials=max(4, min(10, config.trials // 3)), constant_liar=True
    )
    study = optuna.create_study(
        storage=storage,
        sampler=sampler,
        pruner=pruner,
        study_name=config.study,
        direction="minimize",
        load_if_exists=True,
    )
    wanted = {
        "settings": _as_json(config.search_settings()),
        "space": _as_json(space.to_dict()),
    }
    recorded = study.user_attrs.get(ATTRIBUTE)
    if recorded is None:
        if study.trials:
            raise NHITSInputError(
                f"study {config.study!r} holds trials keras_nhits did not run; choose another "
                "--study"
            )
        study.set_user_attr(ATTRIBUTE, {**wanted, "version": __version__})
        return study
    for part, what in (("space", "search space"), ("settings", "settings")):
        if recorded.get(part) != wanted[part]:
            differ = sorted(
                k
                for k in set(recorded.get(part, {})) | set(wanted[part])
                if recorded.get(part, {}).get(k) != wanted[part].get(k)
            )
            raise NHITSInputError(
                f"study {config.study!r} was started with another {what} ({name_list(differ)} "
                "differ); continue it with the same flags and space, or choose a new --study"
            )
    return study


def finished_count(study):
    """The trials that count towards `--trials`: completed, pruned, or skipped because their
    drawn settings could not train (failed with a recorded reason). A trial lost with a killed
    process does not count."""
    from optuna.trial import TrialState

    states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    return sum(
        1
        for t in study.get_trials(deepcopy=False, states=states)
        if t.state != TrialState.FAIL or "error" in t.user_attrs
    )


def _as_json(values):
    """`values` as they read back from the study's storage (tuples as lists)."""
    return json.loads(json.dumps(values))
