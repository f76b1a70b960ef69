"""A SavedModel from a stranger cannot act: an operation our export does not write is refused
before the model is loaded, and nothing it would have written exists afterwards.

The hostile models are plain TensorFlow modules with the signature our models have (`history`
in, `forecast` out) that also write a file (directly, through Python, through the checkpoint
writer `SaveV2`, inside a loop body or a nested function, in a method that is not a signature)
or read one (`ReadFile`, a `tf.data` reader). `check_saved_model` reads `saved_model.pb` as data,
so the file each would write never appears. Our own exports, over the options that change the
graph, pass the check and still load and forecast.
"""

import os

import keras
import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.saving.saved_model_safety import (
    COMPUTE_OPS,
    MAX_SAVED_MODEL_BYTES,
    RESTORE_OPS,
    SAVE_OPS,
    check_saved_model,
    graph_op_types,
    read_saved_model,
)
from tests.reliability.helpers import (
    ONE_BACKEND,
    assert_one_error_line,
    hourly_frame,
    run_in_process,
    snapshot,
)

tf = pytest.importorskip("tensorflow")

INPUT, HORIZON = 24, 6


def _spec():
    return tf.TensorSpec([None, INPUT], tf.float32, name="history")


def _forecast(history):
    return {"forecast": history[:, -HORIZON:]}


# === Hostile models: each writes (or reads) `target` when its serving function runs ===


def _write_file(target):
    @tf.function(input_signature=[_spec()])
    def serve(history):
        tf.io.write_file(target, "written by a stranger's model")
        return _forecast(history)

    return serve


def _read_file(target):
    # Reads a file next to the target: a model leaking the user's files into its output.
    @tf.function(input_signature=[_spec()])
    def serve(history):
        text = tf.io.read_file(target + ".secret")
        return _forecast(history + tf.cast(tf.strings.length(text), tf.float32))

    return serve


def _py_function(target):
    def payload(x):
        with open(target, "w") as handle:
            handle.write("python ran")
        return x

    @tf.function(input_signature=[_spec()])
    def serve(history):
        return _forecast(tf.py_function(payload, [history], tf.float32))

    return serve


def _save_v2(target):
    # The checkpoint writer, which our own saver functions hold, called from the signature.
    @tf.function(input_signature=[_spec()])
    def serve(history):
        tf.raw_ops.SaveV2(
            prefix=target, tensor_names=["x"], shape_and_slices=[""], tensors=[history]
        )
        return _forecast(history)

    return serve


def _tf_data(target):
    @tf.function(input_signature=[_spec()])
    def serve(history):
        lines = tf.data.TextLineDataset(target + ".secret")
        count = lines.reduce(0.0, lambda n, _: n + 1.0)
        return _forecast(history + count)

    return serve


def _while_body(target):
    @tf.function(input_signature=[_spec()])
    def serve(history):
        def body(i):
            tf.io.write_file(target, tf.strings.as_string(i))
            return (i + 1,)

        tf.while_loop(lambda i: i < 2, body, (tf.constant(0),))
        return _forecast(history)

    return serve


def _nested_function(target):
    @tf.function
    def helper(x):
        tf.io.write_file(target, "nested")
        return x * 1.0

    @tf.function(input_signature=[_spec()])
    def serve(history):
        return _forecast(helper(history))

    return serve


HOSTILE = {
    "write_file": (_write_file, "WriteFile"),
    "read_file": (_read_file, "ReadFile"),
    "py_function": (_py_function, "EagerPyFunc"),
    "save_v2_in_signature": (_save_v2, "SaveV2"),
    "tf_data_reader": (_tf_data, "TextLineDataset"),
    "while_body_writes": (_while_body, "WriteFile"),
    "nested_function_writes": (_nested_function, "WriteFile"),
}


def _save_hostile(folder, serve, extra=None):
    module = tf.Module()
    module.serve = serve
    if extra is not None:
        module.extra = extra  # a method restored by tf.saved_model.load, not a signature
    tf.saved_model.save(module, str(folder), signatures={"serving_default": serve})
    return str(folder)


@pytest.fixture
def target(tmp_path):
    path = str(tmp_path / "written_by_model.txt")
    with open(path + ".secret", "w") as handle:
        handle.write("the user's secret\n")
    return path


@ONE_BACKEND
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_saved_model_that_reads_writes_or_runs_python_is_refused_and_nothing_is_written(
    tmp_path, target, case
):
    build, op = HOSTILE[case]
    folder = _save_hostile(tmp_path / case, build(target))
    assert not os.path.exists(target)  # tracing and saving do not run the function
    assert op in graph_op_types(folder)
    before = snapshot(tmp_path)
    with pytest.raises(NHITSInputError, match=f"keras_nhits does not write .*{op}") as error:
        check_saved_model(folder)
    assert "\n" not in str(error.value)
    assert snapshot(tmp_path) == before  # nothing written, nothing changed
    assert not os.path.exists(target)


@ONE_BACKEND
def test_a_hostile_method_outside_the_signatures_is_refused(tmp_path, target):
    # tf.saved_model.load restores every function of the object graph, callable as
    # `loaded.extra(...)`: it is checked like a signature.
    extra = tf.function(
        lambda x: (tf.io.write_file(target, "extra"), x)[1],
        input_signature=[tf.TensorSpec([None], tf.float32)],
    )
    serve = tf.function(_forecast, input_signature=[_spec()])
    folder = _save_hostile(tmp_path / "extra", serve, extra=extra)
    with pytest.raises(NHITSInputError, match="WriteFile"):
        check_saved_model(folder)
    assert not os.path.exists(target)


@ONE_BACKEND
def test_a_long_list_of_foreign_ops_is_summarised_in_one_line(tmp_path, target):
    @tf.function(input_signature=[_spec()])
    def serve(history):
        text = tf.io.read_file(target + ".secret")
        tf.io.write_file(target, text)
        tf.raw_ops.MatchingFiles(pattern=target + "*")
        tf.raw_ops.SaveV2(
            prefix=target, tensor_names=["x"], shape_and_slices=[""], tensors=[history]
        )
        tf.raw_ops.ShardedFilename(basename=target, shard=0, num_shards=1)
        tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=[target], destination_prefix=target)
        tf.print(text)  # PrintV2
        x = tf.py_function(lambda v: v, [history], tf.float32)
        return _forecast(x)

    folder = _save_hostile(tmp_path / "many", serve)
    with pytest.raises(NHITSInputError) as error:
        check_saved_model(folder)
    message = str(error.value)
    assert "\n" not in message and len(message) - len(folder) < 300, message
    assert "and 2 more)" in message, message
    assert not os.path.exists(target)


# === Files that are not a SavedModel at all ===


@pytest.fixture(scope="module")
def harmless_pb(tmp_path_factory):
    # A plain TensorFlow model with a variable (so it has checkpoint functions) and only
    # operations of the kinds our export writes.
    folder = tmp_path_factory.mktemp("harmless") / "model"
    module = tf.Module()
    module.scale = tf.Variable(2.0)
    module.serve = tf.function(
        lambda history: {"forecast": history[:, -HORIZON:] * module.scale},
        input_signature=[_spec()],
    )
    tf.saved_model.save(module, str(folder), signatures={"serving_default": module.serve})
    check_saved_model(str(folder))
    with open(os.path.join(folder, "saved_model.pb"), "rb") as handle:
        return handle.read()


def _edited(harmless_pb, edit):
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString(harmless_pb)
    edit(proto.meta_graphs[0])
    return proto.SerializeToString()


def _forecast_from_save_tensor(meta_graph):
    signature = meta_graph.signature_def["serving_default"]
    signature.outputs["forecast"].name = meta_graph.saver_def.save_tensor_name


def _restore_that_saves(meta_graph):
    for function in meta_graph.graph_def.library.function:
        if function.signature.name.startswith("__inference__traced_restore"):
            function.node_def.add(name="overwrite", op="SaveV2")


def _init_op_saves(meta_graph):
    save_node = meta_graph.saver_def.save_tensor_name.split(":")[0]
    meta_graph.collection_def["saved_model_main_op"].node_list.value[:] = [save_node]


def _calls_an_undefined_function(meta_graph):
    for function in meta_graph.graph_def.library.function:
        if function.signature.name.startswith("__inference_signature_wrapper"):
            for node in function.node_def:
                if "f" in node.attr:
                    node.attr["f"].func.name = "__inference_another_models_function_1"


def _jax_module_with_a_host_callback(meta_graph):
    # jax2tf writes host callbacks (jax.debug.callback, io_callback) as custom calls in the
    # StableHLO module: they run Python in the process that serves it.
    for function in meta_graph.graph_def.library.function:
        if function.signature.name.startswith("__inference_signature_wrapper"):
            node = function.node_def.add(name="jax_module", op="XlaCallModule")
            node.attr["module"].s = b"ML\xefR...stablehlo.custom_call xla_ffi_python_cpu_callback"


EDITED = {
    "signature_reaches_the_checkpoint_writer": (_forecast_from_save_tensor, "SaveV2"),
    "restore_function_holds_the_writer": (_restore_that_saves, "SaveV2"),
    "init_op_runs_the_checkpoint_writer": (_init_op_saves, "SaveV2"),
    "jax_module_with_a_host_callback": (_jax_module_with_a_host_callback, "host callbacks"),
    "calls_a_function_it_does_not_define": (
        _calls_an_undefined_function,
        "does not define .*__inference_another_models_function_1",
    ),
}


@ONE_BACKEND
@pytest.mark.parametrize("case", sorted(EDITED))
def test_edited_graphs_reaching_checkpoint_ops_or_foreign_functions_are_refused(
    tmp_path, harmless_pb, case
):
    # The saver functions of every SavedModel hold SaveV2 and RestoreV2; edited files that make
    # a signature, the restore op or the init op reach a writer are refused.
    edit, op = EDITED[case]
    folder = _pb_folder(tmp_path, _edited(harmless_pb, edit))
    with pytest.raises(NHITSInputError, match=op):
        check_saved_model(folder)


def _pb_folder(tmp_path, data):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(data)
    return str(folder)


DAMAGED = {
    "empty": lambda pb: b"",
    "truncated": lambda pb: pb[: len(pb) // 2],
    "random_bytes": lambda pb: np.random.default_rng(0).bytes(4096),
    "text": lambda pb: b"this is not a protobuf\n" * 50,
}


@ONE_BACKEND
@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_saved_model_pb_gives_one_clean_line(tmp_path, harmless_pb, case):
    folder = _pb_folder(tmp_path, DAMAGED[case](harmless_pb))
    with pytest.raises(NHITSInputError) as error:
        check_saved_model(folder)
    message = str(error.value)
    assert "saved_model.pb" in message or "SavedModel" in message, message
    assert "\n" not in message


@ONE_BACKEND
def test_a_saved_model_pb_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    os.mkfifo(folder / "saved_model.pb")
    with pytest.raises(NHITSInputError, match="not a regular file"):
        check_saved_model(str(folder))


@ONE_BACKEND
def test_a_saved_model_pb_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    with open(folder / "saved_model.pb", "wb") as handle:
        handle.truncate(MAX_SAVED_MODEL_BYTES + 1)  # sparse: no disk used
    with pytest.raises(NHITSInputError, match="MB"):
        check_saved_model(str(folder))


@ONE_BACKEND
def test_a_tf1_saved_model_without_an_object_graph_is_refused(tmp_path, harmless_pb):
    # The TF1 loading path runs init and restore ops that the file names.
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString(harmless_pb)
    proto.meta_graphs[0].ClearField("object_graph_def")
    folder = _pb_folder(tmp_path, proto.SerializeToString())
    with pytest.raises(NHITSInputError, match="object graph"):
        check_saved_model(folder)


# === Our own exports pass and still load ===

EXPORTS = keras.backend.backend() in ("tensorflow", "jax")
needs_export = pytest.mark.skipif(
    not EXPORTS, reason="SavedModel export needs the TensorFlow or JAX backend"
)


# On JAX every option lands inside the one XlaCallModule (its TensorFlow op types do not change),
# so one export there covers them; on TensorFlow each option adds its own ops.
tf_only = pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="on JAX the options change only the StableHLO module: the defaults cover its op types",
)


@needs_export
@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="defaults"),
        pytest.param(
            {"pooling": "average", "interpolation": "cubic", "scaler": "robust", "dropout": 0.2},
            id="average_cubic_robust_dropout",
            marks=tf_only,
        ),
        pytest.param(
            {
                "interpolation": "nearest",
                "scaler": "minmax",
                "activation": "gelu",
                "n_blocks": 2,
                "naive_level": False,
            },
            id="nearest_minmax_gelu_blocks_no_level",
            marks=tf_only,
        ),
        pytest.param({"quantiles": (0.1, 0.9)}, id="quantile_head", marks=tf_only),
        pytest.param({"conformal": (80, 90)}, id="conformal_point", marks=tf_only),
        pytest.param(
            {"quantiles": (0.1, 0.9), "conformal": (80,)}, id="conformal_quantiles", marks=tf_only
        ),
    ],
)
def test_our_exports_hold_only_allowlisted_ops_and_still_load(tmp_path, options):
    from keras_nhits.models import NHITS
    from keras_nhits.saving.saved_model import export_saved_model

    model = NHITS(INPUT, HORIZON, hidden_size=8, **options)
    folder = str(export_saved_model(model, tmp_path / "saved"))
    assert set(graph_op_types(folder, "compute")) <= set(COMPUTE_OPS)
    assert set(graph_op_types(folder, "save")) <= set(COMPUTE_OPS) | set(SAVE_OPS)
    assert set(graph_op_types(folder, "restore")) <= set(COMPUTE_OPS) | set(RESTORE_OPS)
    check_saved_model(folder)
    # The check reads the file only: TensorFlow's loader still serves the model's forecast.
    window = hourly_frame(1, INPUT)["y"].to_numpy().astype("float32")[None]
    serve = tf.saved_model.load(folder).signatures["serving_default"]
    outputs = serve(history=tf.constant(window))
    expected = keras.ops.convert_to_numpy(model.predict_on_batch(window))
    if model.quantiles:  # the median is the forecast, beside every quantile
        np.testing.assert_allclose(outputs["quantiles"].numpy(), expected, rtol=1e-4, atol=1e-4)
        expected = expected[..., model.median_index]
    np.testing.assert_allclose(outputs["forecast"].numpy(), expected, rtol=1e-4, atol=1e-4)


@needs_export
@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="defaults"),
        pytest.param(
            {"pooling": "average", "pool_sizes": (1, 2, 1), "interpolation": "cubic"},
            id="average_cubic",
            marks=tf_only,
        ),
    ],
)
def test_our_covariate_exports_hold_only_allowlisted_ops_and_still_load(tmp_path, options):
    from keras_nhits.models import NHITS
    from keras_nhits.saving.saved_model import export_saved_model

    model = NHITS(INPUT, HORIZON, hidden_size=8, hist_exog=2, futr_exog=1, stat_exog=2, **options)
    model.set_covariate_statistics(futr=(np.array([10.0]), np.array([4.0])))
    folder = str(export_saved_model(model, tmp_path / "saved"))
    assert set(graph_op_types(folder, "compute")) <= set(COMPUTE_OPS)
    check_saved_model(folder)
    rng = np.random.default_rng(0)
    window = hourly_frame(1, INPUT)["y"].to_numpy().astype("float32")[None]
    inputs = {"history": window}
    for key, shape in model.input_shapes(1).items():
        if key != "history":
            inputs[key] = rng.normal(10.0, 4.0, size=shape).astype("float32")
    serve = tf.saved_model.load(folder).signatures["serving_default"]
    served = serve(**{k: tf.constant(v) for k, v in inputs.items()})["forecast"].numpy()
    expected = keras.ops.convert_to_numpy(model.predict_on_batch(inputs))
    np.testing.assert_allclose(served, expected, rtol=1e-4, atol=1e-4)


@ONE_BACKEND
def test_the_ops_tool_prints_what_the_allowlists_hold(monkeypatch, capfd):
    # One tiny model instead of the whole grid: the claim is that the tool's printout is the
    # allowlists' form, found the way the check reads a graph.
    import ast

    from keras_nhits.saving import saved_model_ops

    monkeypatch.setattr(
        saved_model_ops,
        "export_grid",
        lambda: [{"input_size": INPUT, "horizon": HORIZON, "hidden_size": 8}],
    )
    assert saved_model_ops.main([]) == 0
    printed = dict(line.split(": ", 1) for line in capfd.readouterr().out.strip().splitlines())
    assert set(printed) == {"compute", "save", "restore"}
    allowed = {"compute": COMPUTE_OPS, "save": SAVE_OPS, "restore": RESTORE_OPS}
    for role, ops in printed.items():
        ops = ast.literal_eval(ops)
        assert ops and set(ops) <= set(allowed[role]), role


@ONE_BACKEND
def test_no_file_or_python_op_is_on_the_compute_allowlist():
    io_ops = {
        "ReadFile",
        "WriteFile",
        "SaveV2",
        "RestoreV2",
        "MergeV2Checkpoints",
        "ShardedFilename",
        "MatchingFiles",
        "PyFunc",
        "EagerPyFunc",
        "PyFuncStateless",
        "PrintV2",
        "Print",
        "TextLineDataset",
        "Save",
        "Restore",
        "DeleteFile",
    }
    assert not io_ops & set(COMPUTE_OPS)
    assert "SaveV2" in SAVE_OPS and "RestoreV2" in RESTORE_OPS
    assert read_saved_model  # public helper


# === The user's path: python -m keras_nhits.predict ===


@ONE_BACKEND
def test_predict_refuses_a_hostile_saved_model_in_one_line_and_it_never_runs(
    tmp_path, target, capfd
):
    from keras_nhits.cli import predict

    folder = _save_hostile(tmp_path / "hostile", _write_file(target))
    data = tmp_path / "tiny.csv"
    hourly_frame(2, 200).write_csv(data)
    output = tmp_path / "forecast.csv"
    result = run_in_process(
        ["--model", folder, "--data", data, "--output", output], capfd, main=predict.main
    )
    assert_one_error_line(result, ["WriteFile", "refusing to run it"])
    assert not os.path.exists(target)
    assert not output.exists()
    # The refusal is what kept the file from being written: TensorFlow runs the model as is.
    serve = tf.saved_model.load(folder).signatures["serving_default"]
    serve(history=tf.zeros([1, INPUT]))
    assert os.path.exists(target)


@ONE_BACKEND
def test_the_check_command_refuses_a_hostile_folder_and_passes_a_harmless_one(
    tmp_path, target, harmless_pb, capfd
):
    from keras_nhits.saving import saved_model_safety

    hostile = _save_hostile(tmp_path / "hostile", _py_function(target))
    result = run_in_process([hostile], capfd, main=saved_model_safety.main)
    assert_one_error_line(result, ["EagerPyFunc", hostile])
    harmless = _pb_folder(tmp_path, harmless_pb)
    result = run_in_process([harmless], capfd, main=saved_model_safety.main)
    assert result.code == 0, result.stderr
    assert "only operations keras_nhits' export writes" in result.stdout
