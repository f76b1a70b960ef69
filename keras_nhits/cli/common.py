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

from keras_nhits.backend import BACKENDS, configured_backend, missing_backend_message
from keras_nhits.errors import NHITSInputError, NHITSTrainingError, first_line

EXIT_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def start_backend_quietly():
    """Imports Keras and its backend with their start-up chatter kept off stderr.

    TensorFlow's C++ runtime prints CUDA probes and CPU-feature notes straight to file
    descriptor 2 before any Python logging setting applies, which would break the tools'
    promise of exactly one line on stderr for an error. So descriptor 2 points at /dev/null
    while the backend loads and initialises its devices, then is restored. Must run before
    anything imports Keras; the tools import the library lazily for that reason. A backend that
    is not installed (`KERAS_BACKEND=jax` without jax) or unknown is an `NHITSInputError`
    naming the fix.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    warnings.filterwarnings("ignore")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        _import_backend()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _import_backend():
    try:
        import keras
        import tensorflow as tf
    except ImportError as error:
        message = missing_backend_message(error)
        if message is None:
            raise
        raise NHITSInputError(message) from None
    except ValueError as error:
        if "Unable to import backend" not in str(error):
            raise
        raise NHITSInputError(
            f"unknown Keras backend {configured_backend()!r}: set KERAS_BACKEND to one of "
            f"{', '.join(BACKENDS)}"
        ) from None
    tf.config.list_physical_devices()
    from keras_nhits.training.devices import list_gpus

    list_gpus()
    keras.backend.backend()


def hide_gpus_if_cpu_requested(gpu):
    """Hides every GPU from the backends before they load, for `--gpu -1`."""
    if gpu < 0:
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"


def with_default(help_text, default):
    """`help_text` and its default, said once: nothing added when the text names its default
    (`(default: the run's)`) or when there is no default to show (None, an empty text)."""
    if help_text is None or help_text is argparse.SUPPRESS or "default" in help_text:
        return help_text
    if default is None or default is dataclasses.MISSING or default is argparse.SUPPRESS:
        return help_text
    shown = _shown(default)
    return help_text if shown == "" else f"{help_text} (default: {shown})"


class OneLineArgumentParser(argparse_dataclass.ArgumentParser):
    """argparse-dataclass's parser, with one-line errors and each default once in `--help`.

    A boolean field that is on by default becomes a `--no-NAME` flag, so its help says that the
    flag turns the field's feature off.
    """

    def __init__(self, options_class, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(options_class, **kwargs)
        fields = dataclasses.fields(options_class)
        defaults = {f.name: f.default for f in fields}
        for action in self._actions:
            if action.dest not in defaults or action.help in (None, argparse.SUPPRESS):
                continue
            default = defaults[action.dest]
            if default is True:
                action.help = f"turn off (on by default): {action.help}"
            else:
                action.help = with_default(action.help, default)

    def error(self, message):
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see --help)\n")

    def given_flags(self, argv):
        """Only the flags typed on the command line, as `{field: value}`.

        argparse-dataclass gives every flag the default `MISSING`; its own `parse_known_args`
        fills in the dataclass defaults, so argparse's is called here instead.
        """
        namespace, extra = argparse.ArgumentParser.parse_known_args(self, argv)
        if extra:
            self.error(f"unrecognized arguments: {' '.join(extra)}")
        return {k: v for k, v in vars(namespace).items() if v is not dataclasses.MISSING}


def _shown(value):
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def config_from_argv(config_class, argv, prog, description, complete=None, **parser_options):
    """Parses flags, reads `--config FILE` under them, returns a validated config.

    Only the flags typed on the command line override the file, the file overrides the
    defaults. Each value of the file is checked on its own first (a wrong one is refused even
    when a flag replaces it); the relations between fields are checked once all are merged.
    A config class without a `config` field (predict's, export's) takes the flags alone.
    `complete` (train's `inherit_run_settings`) may fill in fields neither gave, from the
    merged values. `parser_options` go to the parser (`formatter_class`).
    """
    parser = OneLineArgumentParser(
        config_class, prog=prog, description=description, **parser_options
    )
    given = parser.given_flags(argv)
    if "config" not in {f.name for f in dataclasses.fields(config_class)}:
        return config_class(**given)
    values = {}
    if given.get("config"):
        values = config_class.check_values(config_class.read_file(given["config"]))
    values.update(given)
    if complete is not None:
        values = complete(values)
    return config_class.from_dict(values)


def check_output_parent(output, makes_parents):
    """Refuses an `--output` whose folder cannot be written, before anything is read.

    predict writes its file into an existing folder (`makes_parents=False`: a missing one is
    refused); export creates the folders missing above its SavedModel, so the closest existing
    one must be writable.
    """
    folder = os.path.dirname(os.path.abspath(output))
    if not makes_parents and not os.path.isdir(folder):
        raise NHITSInputError(
            f"--output {output}: folder {folder} does not exist; create it or choose another "
            "--output"
        )
    while not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        # export may replace a folder of its own, predict a file: hence "changed", "written".
        where, nothing = (folder, "changed") if makes_parents else (f"folder {folder}", "written")
        raise NHITSInputError(
            f"--output {output} cannot be written: {where} is read-only; nothing was {nothing}: "
            "choose a folder you can write to"
        )


def run(main, argv=None, resumable=False, interrupted=None):
    """Runs `main(argv)` and maps failures to one stderr line and an exit code.

    `resumable`: the command checkpoints its epochs (train), so Ctrl-C says to rerun with
    `--resume`; the others say that nothing was written (their outputs are written atomically),
    unless `interrupted` gives the command's own line (tune's: run it again to continue).
    """
    argv = sys.argv[1:] if argv is None else argv
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "keras_nhits"
    try:
        code = main(argv)
    except NHITSInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        if interrupted:
            message = interrupted
        elif resumable:
            message = "interrupted: completed epochs are checkpointed; rerun with --resume"
        else:
            message = "interrupted; nothing was written"
        print(message, file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # the one place a failure is turned into an exit code
        first = first_line(error)
        if isinstance(error, NHITSTrainingError):
            print(f"error: {first}", file=sys.stderr)
        else:
            print(f"{prog}: failed: {type(error).__name__}: {first}", file=sys.stderr)
        return EXIT_FAILED
    return code or 0
