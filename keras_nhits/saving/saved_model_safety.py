"""Refuses a SavedModel whose graph could do more than compute a forecast, before it is loaded.

A SavedModel is a program: its graph may read and write files (`ReadFile`, `WriteFile`, the
`tf.io.gfile` ops), run Python (`PyFunc`, `EagerPyFunc`) or call anything else TensorFlow has a
kernel for, and `tf.saved_model.load` plus one call of a signature runs it. `check_saved_model`
reads `saved_model.pb` as data (TensorFlow's protobuf class; nothing is loaded or run) and accepts
it only when every operation in it is of a type keras_nhits' own export writes:

- Everything a signature or the object graph can run (the functions `tf.saved_model.load`
  restores, the top-level nodes a signature's tensors or the init op depend on, and every function
  those reach through a function-valued attribute: the `f` of `StatefulPartitionedCall`, the
  bodies of `While` and `If`, the `function_list` of `XlaCallModule`, gradients ...) may hold only
  the compute operations of `COMPUTE_OPS`: no file, Python or I/O operation at all.
- The checkpoint functions that the saver definition names (what TensorFlow Serving or the C API
  runs to restore the variables, and to save them when asked to) may also hold `RESTORE_OPS`, and
  `SAVE_OPS` respectively. `tf.saved_model.load` runs neither: it restores variables with its own
  code.
- An operation of any other type, anywhere, or a format keras_nhits does not write (a TF1
  SavedModel without an object graph, several meta graphs, a JAX module with host callbacks) is
  refused with one line naming what was found.

`COMPUTE_OPS`, `SAVE_OPS` and `RESTORE_OPS` were collected from exports of our own models; after
a TensorFlow or model change, regenerate them on each export backend with

    KERAS_BACKEND=tensorflow python -m keras_nhits.saving.saved_model_ops
    KERAS_BACKEND=jax python -m keras_nhits.saving.saved_model_ops

and paste the union. What the check does not promise: that the forecast is right, or that the
model does not compute for a long time or ask for a lot of memory (a large constant, a long loop);
a JAX export's `XlaCallModule` carries a StableHLO module that XLA compiles, checked here for host
callbacks only.
"""

import os
import stat
import sys

from keras_nhits.errors import NHITSInputError, first_line, name_list

# saved_model.pb of our models is a few hundred KB; protobuf itself refuses messages over 2 GB.
MAX_SAVED_MODEL_BYTES = 512 * 2**20
# How many foreign op types a message names before summarising.
SHOWN_OPS = 6

# === Allowlists ===
# The union of the op types found by `saved_model_ops` (exports of every option that changes the
# graph: pooling, interpolation, window scaler, every activation of config.ACTIVATIONS, dropout,
# naive_level, several blocks per stack, the mixed_float16 policy, and covariate models: each kind
# alone, all three with average pooling, pool size 1 and mixed_float16, which added no op type;
# quantile heads, which added Cumsum, Prod and ReverseV2, and StopGradient once their median's
# gradient was stopped for the other quantiles (an identity in the forward pass); conformal
# intervals, which added none) on TensorFlow 2.21 + Keras 3.15, from the TensorFlow and the JAX
# (jax2tf) backends.
# Several names a line (ruff would put each on its own and make these tuples most of the
# module).
# fmt: off
COMPUTE_OPS = (
    "Abs", "AddV2", "Any", "AssignVariableOp", "BiasAdd", "Cast", "Ceil", "ConcatV2", "Const",
    "Cumsum", "Elu", "Erfc", "ExpandDims", "GatherV2", "Greater", "Identity", "IdentityN", "IsNan",
    "LeakyRelu", "MatMul", "Max", "Maximum", "Mean", "Min", "Minimum", "Mul", "Neg", "NoOp",
    "OnesLike", "Pack", "PadV2", "Placeholder", "Prod", "ReadVariableOp", "RealDiv", "Relu",
    "Relu6", "Reshape", "ReverseV2", "SelectV2", "Selu", "Shape", "Sigmoid", "Softplus",
    "Softsign", "Sqrt", "Square", "StatefulPartitionedCall", "StopGradient", "StridedSlice",
    "Sub", "Sum", "Tanh",
    "TopKV2", "Transpose", "VarHandleOp", "VarIsInitializedOp", "XlaCallModule", "ZerosLike",
)
# In `__inference__traced_save_*`, reached from the saver definition's save tensor only.
SAVE_OPS = (
    "DisableCopyOnRead", "MergeV2Checkpoints", "SaveV2", "Select", "ShardedFilename",
    "StaticRegexFullMatch", "StringJoin",
)
# In `__inference__traced_restore_*`, reached from the saver definition's restore op only.
RESTORE_OPS = ("RestoreV2",)
# fmt: on

# Found in no module of ours; present in the custom-call targets of every host callback.
_CALLBACK_WORDS = (b"callback", b"call_tf")

_COMPUTE = "compute"
_SAVE = "save"
_RESTORE = "restore"


def check_saved_model(folder):
    """Raises `NHITSInputError` unless the SavedModel at `folder` holds only operations that
    keras_nhits' export writes, each where the export writes it (see the module docstring).

    Reads `saved_model.pb` only; loads and runs nothing, writes nothing.
    """
    allowed = {
        _COMPUTE: frozenset(COMPUTE_OPS),
        _SAVE: frozenset(COMPUTE_OPS) | frozenset(SAVE_OPS),
        _RESTORE: frozenset(COMPUTE_OPS) | frozenset(RESTORE_OPS),
    }
    meta_graph = _only_meta_graph(folder, read_saved_model(folder))
    foreign = set()
    for op, roles in _ops_with_roles(meta_graph):
        if not all(op in allowed[role] for role in roles):
            foreign.add(op)
    if foreign:
        raise NHITSInputError(
            f"SavedModel {folder} holds operations keras_nhits does not write "
            f"({name_list(sorted(foreign), SHOWN_OPS)}); refusing to run it: they could read or "
            "write files or run "
            "code (export the model yourself with keras_nhits.export, or forecast from its run "
            "folder)"
        )
    undefined = _undefined_functions(meta_graph)
    if undefined:
        # A call by name of a function the file does not define would run whatever function of
        # that name the process holds (another model's, say).
        raise NHITSInputError(
            f"SavedModel {folder} calls functions it does not define "
            f"({name_list(sorted(undefined), SHOWN_OPS)}); "
            "refusing to run it"
        )
    _check_xla_modules(folder, meta_graph)


def graph_op_types(folder, role=None):
    """The sorted op types in the SavedModel at `folder`, all of them or those in `role`'s part
    of the graph ("compute", "save" or "restore"; see the module docstring)."""
    meta_graph = _only_meta_graph(folder, read_saved_model(folder))
    return tuple(
        sorted({op for op, roles in _ops_with_roles(meta_graph) if role is None or role in roles})
    )


def read_saved_model(folder):
    """`saved_model.pb` of `folder` parsed as a `SavedModel` protobuf (data only), or
    `NHITSInputError` naming the file when it is missing, too large or not one."""
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import saved_model_pb2

    path = os.path.join(folder, "saved_model.pb")
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
            raise NHITSInputError(f"{path} is not a regular file, not a SavedModel")
        size = info.st_size
        if size > MAX_SAVED_MODEL_BYTES:
            raise NHITSInputError(
                f"{path} is {size / 2**20:.0f} MB, over the {MAX_SAVED_MODEL_BYTES // 2**20} MB "
                "a keras_nhits SavedModel can be; refusing to read it"
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_SAVED_MODEL_BYTES + 1)
    except OSError as error:
        raise NHITSInputError(f"{path} cannot be read ({error.strerror or error})") from None
    if not data:
        raise NHITSInputError(f"{path} is empty, not a SavedModel")
    proto = saved_model_pb2.SavedModel()
    try:
        proto.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as error:
        raise NHITSInputError(
            f"{path} is not a readable SavedModel (damaged or truncated: {first_line(error)})"
        ) from None
    return proto


# === The graph ===


def _only_meta_graph(folder, proto):
    # tf.saved_model.load takes the TF2 path (objects and functions restored in Python, the
    # graph's own restore op never run) only for a single meta graph with an object graph; the
    # TF1 path runs init and restore ops named by the file. Our export writes the TF2 form.
    if len(proto.meta_graphs) != 1:
        raise NHITSInputError(
            f"SavedModel {folder} holds {len(proto.meta_graphs)} meta graphs; keras_nhits "
            "writes exactly one"
        )
    meta_graph = proto.meta_graphs[0]
    if not meta_graph.HasField("object_graph_def") or not meta_graph.object_graph_def.nodes:
        raise NHITSInputError(
            f"SavedModel {folder} has no object graph (a TensorFlow 1 SavedModel); keras_nhits "
            "writes and runs only TensorFlow 2 SavedModels"
        )
    return meta_graph


def _ops_with_roles(meta_graph):
    """Yields `(op type, roles)` for every node of the graph and of every library function:
    the roles are the parts of the graph that reach the node (an unreached node counts as
    compute, the strictest)."""
    graph = meta_graph.graph_def
    functions = {f.signature.name: f for f in graph.library.function}
    gradients = {g.function_name: g.gradient_func for g in graph.library.gradient}
    nodes = {node.name: node for node in graph.node}

    node_roles = {name: set() for name in nodes}
    function_roles = {name: set() for name in functions}
    roots = []
    for signature in meta_graph.signature_def.values():
        for tensor in [*signature.inputs.values(), *signature.outputs.values()]:
            roots.append((_COMPUTE, _tensor_names(tensor)))
    for collection in meta_graph.collection_def.values():
        # The init ops (saved_model_main_op, legacy_init_op) and anything else named there.
        roots.append((_COMPUTE, list(collection.node_list.value)))
    saver = meta_graph.saver_def
    roots.append((_SAVE, [saver.save_tensor_name] if saver.save_tensor_name else []))
    roots.append((_RESTORE, [saver.restore_op_name] if saver.restore_op_name else []))
    for role, names in roots:
        _mark_nodes(role, names, nodes, node_roles)

    called = []
    for name, roles in node_roles.items():
        for function in _called_functions(nodes[name], functions):
            called.append((function, roles or {_COMPUTE}))
    objects = meta_graph.object_graph_def
    for function in _object_graph_functions(objects):
        called.append((function, {_COMPUTE}))
    for function, roles in called:
        _mark_function(function, roles, functions, gradients, function_roles)

    for name, node in nodes.items():
        yield node.op, node_roles[name] or {_COMPUTE}
    for name, function in functions.items():
        roles = function_roles[name] or {_COMPUTE}
        for node in function.node_def:
            yield node.op, roles


def _tensor_names(tensor_info):
    if tensor_info.HasField("coo_sparse"):
        sparse = tensor_info.coo_sparse
        return [
            sparse.values_tensor_name,
            sparse.indices_tensor_name,
            sparse.dense_shape_tensor_name,
        ]
    if tensor_info.HasField("composite_tensor"):
        return [n for c in tensor_info.composite_tensor.components for n in _tensor_names(c)]
    return [tensor_info.name]


def _mark_nodes(role, names, nodes, node_roles):
    """Marks `names` and every node they depend on (data and control inputs) with `role`."""
    pending = [_node_name(n) for n in names if n]
    while pending:
        name = pending.pop()
        if name not in nodes or role in node_roles[name]:
            continue
        node_roles[name].add(role)
        pending.extend(_node_name(n) for n in nodes[name].input)


def _node_name(tensor_name):
    return tensor_name.lstrip("^").split(":")[0]


def _mark_function(name, roles, functions, gradients, function_roles):
    pending = [name]
    while pending:
        name = pending.pop()
        if name not in functions or roles <= function_roles[name]:
            continue
        function_roles[name] |= roles
        function = functions[name]
        for attr in function.attr.values():
            pending.extend(_attr_functions(attr))
        for node in function.node_def:
            pending.extend(_called_functions(node, functions))
        if name in gradients:
            pending.append(gradients[name])


def _called_functions(node, functions):
    called = [f for attr in node.attr.values() for f in _attr_functions(attr)]
    if node.op in functions:  # a node whose op is a library function calls it
        called.append(node.op)
    return called


def _attr_functions(attr):
    """The function names in an `AttrValue`, nested attributes of a function value included."""
    names = []
    pending = []
    if attr.HasField("func"):
        pending.append(attr.func)
    if attr.HasField("list"):
        pending.extend(attr.list.func)
    while pending:
        func = pending.pop()
        names.append(func.name)
        for value in func.attr.values():
            if value.HasField("func"):
                pending.append(value.func)
            if value.HasField("list"):
                pending.extend(value.list.func)
    return names


def _object_graph_functions(objects):
    """Every concrete function the object graph names: what `tf.saved_model.load` restores and
    can run (methods, signatures, resource initialisers, saveable objects' functions)."""
    names = list(objects.concrete_functions)
    for node in objects.nodes:
        kind = node.WhichOneof("kind")
        if kind == "function":
            names.extend(node.function.concrete_functions)
        elif kind == "bare_concrete_function":
            names.append(node.bare_concrete_function.concrete_function_name)
    return names


def _undefined_functions(meta_graph):
    graph = meta_graph.graph_def
    functions = {f.signature.name: f for f in graph.library.function}
    called = set(_object_graph_functions(meta_graph.object_graph_def))
    called |= {g.gradient_func for g in graph.library.gradient}
    nodes = [*graph.node, *(n for f in functions.values() for n in f.node_def)]
    for node in nodes:
        called.update(_called_functions(node, functions))
    for function in functions.values():
        called.update(name for attr in function.attr.values() for name in _attr_functions(attr))
    return called - set(functions)


def _check_xla_modules(folder, meta_graph):
    # jax2tf's XlaCallModule runs a StableHLO module; host callbacks (jax.debug.callback,
    # io_callback, call_tf) run Python through a token and a `function_list`: our export has none.
    functions = meta_graph.graph_def.library.function
    nodes = [*meta_graph.graph_def.node, *(n for f in functions for n in f.node_def)]
    for node in nodes:
        if node.op != "XlaCallModule":
            continue
        attrs = node.attr
        callbacks = "has_token_input_output" in attrs and attrs["has_token_input_output"].b
        callbacks |= "function_list" in attrs and bool(attrs["function_list"].list.func)
        # The custom-call targets of host callbacks (xla_python_cpu_callback,
        # xla_ffi_python_cpu_callback, tf.call_tf_function ...) are plain strings in the module.
        module = attrs["module"].s if "module" in attrs else b""
        if callbacks or any(word in module for word in _CALLBACK_WORDS):
            raise NHITSInputError(
                f"SavedModel {folder} holds a JAX module with host callbacks, which keras_nhits "
                "does not write; refusing to run it"
            )


def main(argv):
    """`python -m keras_nhits.saving.saved_model_safety FOLDER` checks a SavedModel: exit 2 and one
    line when it is refused."""
    import argparse

    from keras_nhits.cli.common import start_backend_quietly

    parser = argparse.ArgumentParser(
        prog="python -m keras_nhits.saving.saved_model_safety",
        description="Check a SavedModel's operations before loading it.",
    )
    parser.add_argument("folder", help="SavedModel folder to check")

    def error(message):
        parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")

    parser.error = error
    args = parser.parse_args(argv)
    start_backend_quietly()
    check_saved_model(args.folder)
    print(f"{args.folder} holds only operations keras_nhits' export writes")
    return 0


if __name__ == "__main__":
    from keras_nhits.cli.common import run

    sys.exit(run(main))
