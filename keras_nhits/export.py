"""`python -m keras_nhits.export --model RUN_DIR --output PATH`: write a TF SavedModel.

Loads the run folder's safetensors + JSON (no pickle) and writes a SavedModel with the raw-units
`serving_default` and `decompose` signatures (see `keras_nhits.saved_model`).
"""

import argparse
import sys

from keras_nhits.cli import run, start_backend_quietly
from keras_nhits.errors import NHITSInputError


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m keras_nhits.export", description=__doc__)
    parser.add_argument("--model", required=True, help="run folder (config.json + safetensors)")
    parser.add_argument("--output", required=True, help="SavedModel folder to write")
    parser.error = _one_line_error(parser)
    args = parser.parse_args(argv)
    start_backend_quietly()
    from keras_nhits.safetensors_io import load_model, read_config
    from keras_nhits.saved_model import export_saved_model

    scaler = read_config(args.model).get("data", {}).get("series_scaler") or {}
    if scaler.get("method", "none") != "none":
        raise NHITSInputError(
            f"{args.model} was trained with --series-scaler {scaler['method']}, whose statistics "
            "are per series and cannot travel in the SavedModel's raw-units signature; retrain "
            "with --series-scaler none or serve the run folder with keras_nhits.predict"
        )
    model = load_model(args.model)
    export_saved_model(model, args.output)
    print(
        f"wrote SavedModel {args.output} (input history [None, {model.input_size}], output "
        f"forecast [None, {model.horizon}])"
    )
    return 0


def _one_line_error(parser):
    def error(message):
        parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")

    return error


if __name__ == "__main__":
    sys.exit(run(main))
