"""What every command-line tool shares: one-line errors, quiet backends, config from flags.

The tools are thin: they parse flags into the config dataclass, call the library, and turn the
library's `NHITSInputError` into one line on stderr and exit code 2 (never a traceback). A run
that fails for another reason (the loss became NaN) exits 1, Ctrl-C exits 130.
"""

import argparse
import dataclasses
import os
import sys
import warnings

import argparse_dataclass

from keras_nhits.errors import NHITSInputError

EXIT_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def start_backend_quietly():
    """Imports Keras and its backend with their start-up chatter kept off stderr.

    TensorFlow's C++ runtime prints CUDA probes and CPU-feature notes straight to file
    descriptor 2 before any Python logging setting applies, which would break the tools'
    promise of exactly one line on stderr for an error. So descriptor 2 points at /dev/null
    while the backend loads and initialises its devices, then is restored. Must run before
    anything imports Keras; the tools import the library lazily for that reason.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    warnings.filterwarnings("ignore")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        import keras
        import tensorflow as tf

        tf.config.list_physical_devices()
        from keras_nhits.devices import list_gpus

        list_gpus()
        keras.backend.backend()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def hide_gpus_if_cpu_requested(gpu):
    """Hides every GPU from the backends before they load, for `--gpu -1`."""
    if gpu < 0:
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"


class OneLineArgumentParser(argparse_dataclass.ArgumentParser):
    """argparse-dataclass's parser, with one-line errors and every default in `--help`."""

    def __init__(self, options_class, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(options_class, **kwargs)
        defaults = {f.name: f.default for f in dataclasses.fields(options_class)}
        for action in self._actions:
            if action.dest in defaults and action.help is not None:
                action.help += f" (default: {_shown(defaults[action.dest])})"

    def error(self, message):
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see --help)\n")

    def given_flags(self, argv):
        """Only the flags given on the command line, as `{field: value}`."""
        namespace = argparse.ArgumentParser.parse_args(self, argv)
        return {k: v for k, v in vars(namespace).items() if v is not dataclasses.MISSING}


def _shown(value):
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if value == "":
        return "none"
    return value


def config_from_argv(config_class, argv, prog, description):
    """Parses flags, reads `--config FILE` under them, returns a validated config.

    Flags override the file, the file overrides the defaults.
    """
    parser = OneLineArgumentParser(config_class, prog=prog, description=description)
    given = parser.given_flags(argv)
    values = {}
    if given.get("config"):
        values = dataclasses.asdict(config_class.from_file(given["config"]))
    values.update(given)
    return config_class.from_dict(values) if values else config_class()


def run(main, argv=None):
    """Runs `main(argv)` and maps failures to one stderr line and an exit code."""
    argv = sys.argv[1:] if argv is None else argv
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "keras_nhits"
    try:
        code = main(argv)
    except NHITSInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(
            "interrupted: completed epochs are checkpointed; rerun with --resume", file=sys.stderr
        )
        return EXIT_INTERRUPTED
    except Exception as error:  # the one place a failure is turned into an exit code
        from keras_nhits.training import NHITSTrainingError

        first = str(error).splitlines()[0] if str(error) else ""
        if isinstance(error, NHITSTrainingError):
            print(f"error: {first}", file=sys.stderr)
        else:
            print(f"{prog}: failed: {type(error).__name__}: {first}", file=sys.stderr)
        return EXIT_FAILED
    return code or 0
