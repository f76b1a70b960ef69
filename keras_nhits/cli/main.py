"""`keras-nhits <command> [flags]`: the console entry point, one word per command.

Each command is the same as `python -m keras_nhits.<command>`; `keras-nhits --help` lists them.
"""

import importlib
import sys

COMMANDS = {
    "train": "train N-HiTS on a CSV/Parquet file (default: the bundled sample)",
    "predict": "forecast from a run folder, a .keras file or a SavedModel",
    "export": "write a run's model as a TensorFlow SavedModel",
    "backtest": "rolling-origin forecasts of a trained model, scored against naive baselines",
    "tune": "hyperparameter search on the validation split (Optuna; resumable, parallel)",
}


def usage():
    lines = [
        "usage: keras-nhits <command> [flags]   (keras-nhits <command> --help)",
        "",
        "commands:",
    ]
    lines += [f"  {name:<8} {text}" for name, text in COMMANDS.items()]
    return "\n".join(lines)


def main(argv=None):
    """Runs the command named by `argv[0]`; exit code 2 with one line for an unknown one."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(
            f"keras-nhits: unknown command {name[:60]!r}; choose from {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    return importlib.import_module(f"keras_nhits.cli.{name}").run_command(rest)


if __name__ == "__main__":
    sys.exit(main())
