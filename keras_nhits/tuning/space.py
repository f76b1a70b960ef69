"""The search space of `python -m keras_nhits.tune`: which settings a trial draws, from where.

A space is a table of parameters, each a setting of `NHITSTrainingConfig` (or
`input_size_multiple`, the input window as a multiple of the horizon, as the paper and
neuralforecast's AutoNHITS search it) with either a list of `choices` or a numeric range:

    [input_size_multiple]
    choices = [1, 2, 3, 5]

    [pool_sizes]
    choices = [[2, 2, 1], [8, 4, 1], [16, 8, 1]]

    [lr]
    low = 1e-4
    high = 1e-2
    log = true

    [dropout]
    low = 0.0
    high = 0.5
    step = 0.1          # optional: a grid; `log` and `step` exclude each other

A range of an integer setting draws integers. The same tables in JSON (`{"lr": {"low": ...}}`)
work too. Every choice and both ends of every range are checked against the run's other
settings when the space is read, so a value that could never train is refused before the search
starts, naming the parameter. Settings that change what the validation loss measures (`loss`,
`series_scaler`), what is forecast (`horizon`, the columns) or the seed are not searchable:
trials must compare like with like.

`default_space(config)` is the space used without `--space`: the paper's and AutoNHITS' axes
(input multiple, pools, downsampling, rate, width, dropout, batch, per-window scaler, and the
step budget as fractions of `--epochs`).
"""

import dataclasses
import math

from keras_nhits.config import NHITSTrainingConfig
from keras_nhits.config_file import parse_int_tuple
from keras_nhits.errors import NHITSInputError, short_repr, unknown_names

__all__ = [
    "INPUT_MULTIPLE",
    "Parameter",
    "SearchSpace",
    "decode_choice",
    "default_space",
    "read_space",
    "settings",
]

INPUT_MULTIPLE = "input_size_multiple"

# The settings a space may search: the model's architecture, the batches and the optimizer.
SEARCHABLE = (
    INPUT_MULTIPLE,
    "input_size",
    "n_blocks",
    "hidden_size",
    "n_layers",
    "pool_sizes",
    "freq_downsample",
    "pooling",
    "interpolation",
    "dropout",
    "activation",
    "scaler",
    "naive_level",
    "batch_size",
    "windows_per_epoch",
    "epochs",
    "lr",
    "optimizer",
    "weight_decay",
    "clipnorm",
    "patience",
    "lr_patience",
    "lr_factor",
    "lr_decays",
)
# Why the settings a user may reach for are not searchable.
NOT_SEARCHABLE = {
    "loss": "it changes what the validation loss measures; set it with --loss",
    "series_scaler": "it changes the units of the validation loss; set it with --series-scaler",
    "seed": "a search over seeds picks noise; the seed is --seed",
    "horizon": "the horizon is what you forecast; set it with --horizon",
    "n_stacks": "the per-stack settings (pool_sizes, freq_downsample) fix the number of stacks",
}
_FIELDS = {f.name: f for f in dataclasses.fields(NHITSTrainingConfig)}
_RANGE_KEYS = ("low", "high", "log", "step")


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One searched setting: `choices` (a tuple of values), or a range `low`..`high` drawn
    uniformly (on a log scale with `log`, on a grid of `step`), integers for an int setting."""

    name: str
    choices: tuple = ()
    low: float = 0
    high: float = 0
    log: bool = False
    step: float = 0
    integer: bool = False

    def suggest(self, trial):
        """The value an Optuna trial draws for this parameter (a tuple setting as a tuple)."""
        if self.choices:
            encoded = [_encode(v) for v in self.choices]
            return decode_choice(self.name, trial.suggest_categorical(self.name, encoded))
        step = self.step or None
        if self.integer:
            return trial.suggest_int(self.name, self.low, self.high, step=step or 1, log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, step=step, log=self.log)

    def to_dict(self):
        """The parameter's table as a space file writes it."""
        if self.choices:
            return {"choices": [list(v) if isinstance(v, tuple) else v for v in self.choices]}
        table = {"low": self.low, "high": self.high}
        if self.log:
            table["log"] = True
        if self.step:
            table["step"] = self.step
        return table

    def values(self):
        """Every value a trial may draw that a check must accept: the choices, or both ends."""
        return self.choices or (self.low, self.high)


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """The parameters a trial draws, in their file's order."""

    parameters: tuple

    def suggest(self, trial):
        """The values one trial draws, `{parameter: value}` (`settings` makes them config
        fields)."""
        return {p.name: p.suggest(trial) for p in self.parameters}

    def to_dict(self):
        return {p.name: p.to_dict() for p in self.parameters}

    @property
    def names(self):
        return [p.name for p in self.parameters]


def settings(base, drawn):
    """The config fields of a trial: `drawn` (from `SearchSpace.suggest`) with the input
    multiple turned into `input_size` for `base`'s horizon."""
    values = dict(drawn)
    if INPUT_MULTIPLE in values:
        values["input_size"] = values.pop(INPUT_MULTIPLE) * base.horizon
    return values


def read_space(values, base, source="the search space"):
    """A `SearchSpace` from the tables of a space file (`values`, a dict), checked against
    `base`, the run's `NHITSTrainingConfig`; `source` names the file in messages."""
    if not isinstance(values, dict) or not values:
        raise NHITSInputError(f"{source} names no parameter; give at least one table")
    if INPUT_MULTIPLE in values and "input_size" in values:
        raise NHITSInputError(
            f"{source} searches both input_size and {INPUT_MULTIPLE}; keep one of them"
        )
    parameters = []
    for name, spec in values.items():
        if name in NOT_SEARCHABLE:
            raise NHITSInputError(f"{source}: {name} is not searchable: {NOT_SEARCHABLE[name]}")
        if name not in SEARCHABLE:
            raise NHITSInputError(
                unknown_names(f"parameter(s) in {source}", [name], list(SEARCHABLE))
            )
        parameter = _parameter(name, spec, f"{source}: {name}")
        _check_values(parameter, base, f"{source}: {name}")
        parameters.append(parameter)
    return SearchSpace(tuple(parameters))


def default_space(base):
    """The space searched without `--space`, as the tables of a space file, for `base`'s
    epochs (the step budget: a quarter, a half or all of them) and horizon (the pools that fit
    the shortest input window drawn)."""
    epochs = sorted({max(1, base.epochs // 4), max(1, base.epochs // 2), base.epochs})
    multiples = [1, 2, 3, 5]
    # Only pools that fit every drawn input window (a short horizon's 1 x window is short).
    pools = [[1, 1, 1], [2, 2, 1], [2, 2, 2], [4, 4, 4], [8, 4, 1], [16, 8, 1]]
    pools = [p for p in pools if max(p) <= multiples[0] * base.horizon]
    return {
        INPUT_MULTIPLE: {"choices": multiples},
        "pool_sizes": {"choices": pools},
        "freq_downsample": {
            "choices": [[1, 1, 1], [4, 2, 1], [12, 4, 1], [24, 12, 1], [40, 20, 1], [168, 24, 1]]
        },
        "lr": {"low": 1e-4, "high": 1e-2, "log": True},
        "hidden_size": {"choices": [64, 128, 256, 512, 1024]},
        "dropout": {"low": 0.0, "high": 0.5, "step": 0.1},
        "batch_size": {"choices": [64, 128, 256, 512]},
        "scaler": {"choices": ["identity", "standard", "robust"]},
        "epochs": {"choices": epochs},
    }


# === Reading one parameter ===


def _parameter(name, spec, where):
    if not isinstance(spec, dict):
        raise NHITSInputError(
            f"{where} must be a table with choices, or low and high; received {short_repr(spec)}"
        )
    unknown = [k for k in spec if k not in ("choices", *_RANGE_KEYS)]
    if unknown:
        raise NHITSInputError(
            unknown_names(f"key(s) of {where}", unknown, ["choices", *_RANGE_KEYS])
        )
    kind = int if name == INPUT_MULTIPLE else type(_FIELDS[name].default)
    if "choices" in spec:
        if set(spec) != {"choices"}:
            raise NHITSInputError(f"{where}: give choices or a range (low, high), not both")
        return Parameter(name, choices=_choices(name, spec["choices"], kind, where))
    if "low" not in spec or "high" not in spec:
        raise NHITSInputError(f"{where} needs choices, or both low and high")
    if kind not in (int, float):
        raise NHITSInputError(f"{where} is not a number: give its choices")
    low, high = (_number(spec[k], kind, f"{where} {k}") for k in ("low", "high"))
    if low > high:
        raise NHITSInputError(f"{where} is an empty range: low {low} is above high {high}")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise NHITSInputError(f"{where} log must be true or false; received {short_repr(log)}")
    step = _number(spec["step"], kind, f"{where} step") if "step" in spec else 0
    if "step" in spec and step <= 0:
        raise NHITSInputError(f"{where} step must be above 0; received {step}")
    if log and step:
        raise NHITSInputError(f"{where}: a log range draws no grid; give log or step, not both")
    if log and low <= 0:
        raise NHITSInputError(f"{where}: a log range needs low above 0; received {low}")
    return Parameter(name, low=low, high=high, log=log, step=step, integer=kind is int)


def _choices(name, values, kind, where):
    if not isinstance(values, list) or not values:
        raise NHITSInputError(
            f"{where} choices must be a non-empty list; received {short_repr(values)}"
        )
    out = []
    for value in values:
        if kind is tuple:
            value = parse_int_tuple(value, f"{where} choice")
        elif kind in (int, float):
            value = _number(value, kind, f"{where} choice")
        elif not isinstance(value, kind):
            raise NHITSInputError(
                f"{where} choices must be {kind.__name__} values; received {short_repr(value)}"
            )
        if value in out:
            raise NHITSInputError(f"{where} lists the choice {_encode(value)} twice")
        out.append(value)
    return tuple(out)


def _number(value, kind, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NHITSInputError(f"{where} must be a number; received {short_repr(value)}")
    if not math.isfinite(value):
        raise NHITSInputError(f"{where} must be finite; received {value}")
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise NHITSInputError(f"{where} must be a whole number; received {value}")
        return int(value)
    return float(value)


def _check_values(parameter, base, where):
    """Every choice (or both ends of the range) makes a valid config with `base`."""
    for value in parameter.values():
        changed = settings(base, {parameter.name: value})
        try:
            dataclasses.replace(base, **changed)
        except NHITSInputError as error:
            raise NHITSInputError(f"{where} = {_encode(value)} cannot train: {error}") from None


def _encode(value):
    """A choice as Optuna stores it (None, bool, int, float or str): a tuple as `2,2,1`."""
    return ",".join(str(v) for v in value) if isinstance(value, tuple) else value


def decode_choice(name, value):
    """A value as Optuna stores it back as the setting's value (`2,2,1` as a tuple)."""
    kind = int if name == INPUT_MULTIPLE else type(_FIELDS[name].default)
    return parse_int_tuple(value, name) if kind is tuple else value
