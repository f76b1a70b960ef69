"""`python -m keras_nhits.export --model RUN_DIR --output PATH`: write a TF SavedModel.

Loads the run folder's safetensors + JSON (no pickle) and writes a SavedModel with the raw-units
`serving_default` and `decompose` signatures (see `keras_nhits.saving.saved_model`), plus the
run's data options, so that `predict --model PATH` reads the columns the model was trained on.

`--output` is a new or empty folder, or a SavedModel folder export wrote (replaced whole). Anything
else (the run folder or a folder holding it, the current folder, a file, a folder of the user's,
a SavedModel written elsewhere, a place that cannot be written) is refused before a byte is
written: one line on stderr, exit 2.
"""

import argparse
import os
import sys

from keras_nhits.cli.common import check_output_parent, config_from_argv, run, start_backend_quietly
from keras_nhits.errors import NHITSInputError
from keras_nhits.serving.config import ExportConfig

PROG = "python -m keras_nhits.export"


def main(argv):
    # argparse's own formatter: the description (this docstring) is rewrapped to the terminal.
    config = config_from_argv(
        ExportConfig, argv, PROG, __doc__, formatter_class=argparse.HelpFormatter
    )
    return export(config)


def export(config):
    """Runs the command for an `ExportConfig`: the run folder's model as a SavedModel."""
    start_backend_quietly()
    from keras_nhits.saving.safetensors import CONFIG_FILE, load_model, read_config
    from keras_nhits.saving.saved_model import export_saved_model
    from keras_nhits.serving.run_record import run_settings

    record = read_config(config.model)
    _, scaler = run_settings(record, os.path.join(config.model, CONFIG_FILE))
    method = (scaler or {}).get("method", "none")
    if method != "none":
        raise NHITSInputError(
            f"{config.model} was trained with --series-scaler {method}, whose statistics "
            "are per series and cannot travel in the SavedModel's raw-units signature; retrain "
            "with --series-scaler none or serve the run folder with keras_nhits.predict"
        )
    check_output(config.output, config.model)
    model = load_model(config.model)
    export_saved_model(model, config.output, record=record)
    shapes = model.input_shapes()
    shapes = shapes if isinstance(shapes, dict) else {"history": shapes}
    inputs = ", ".join(f"{k} {list(v)}" for k, v in shapes.items())
    print(
        f"wrote SavedModel {config.output} (inputs {inputs}, output forecast "
        f"[None, {model.horizon}])"
    )
    return 0


def check_output(output, run_folder):
    """Refuses an `--output` that export must not write (see the module docstring)."""
    from keras_nhits.saving.ownership import check_output_folder, refuse_overlap

    refuse_overlap(output, [run_folder], "--output", "the run folder it exports")
    refuse_overlap(output, [os.getcwd()], "--output", "the current folder")
    check_output_folder(output, "saved_model", "--output")
    check_output_parent(output, makes_parents=True)


def run_command(argv=None):
    """`python -m keras_nhits.export ARGV` (or `keras-nhits export ARGV`): the exit code."""
    return run(main, argv)


if __name__ == "__main__":
    sys.exit(run_command())
