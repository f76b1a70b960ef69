"""`python kill_hook.py FLAGS...`: the training CLI, SIGKILLed at a planned moment.

The crash tests need kills at moments a timer from outside rarely hits: while a checkpoint or the
final model is being written. This runs the real CLI in this process and, at the moment named by
`NHITS_KILL_AT`, sends this process SIGKILL (the same signal `kill -9` or the out-of-memory
killer sends: no cleanup, no `finally`, no flush):

    epoch:N:DELAY       DELAY seconds after the N-th epoch of this process begins
    checkpoint:N:DELAY  DELAY seconds after the N-th per-epoch backup (`epoch_K.weights.h5`,
                        then `state.json`) begins
    best:N:DELAY        DELAY seconds after the N-th best-weights checkpoint begins
    final:1:DELAY       DELAY seconds after the final save (model.keras, safetensors, JSON) begins
    rename-checkpoints:N:0  at the N-th atomic rename into the checkpoint folder (run_config,
                        best weights, epoch weights, state.json, ...): the temporary file is
                        complete, the target not yet replaced
    rename-output:N:0   the same for the files of the run folder itself (model.keras,
                        model.safetensors, config.json, metrics.json, forecast.png)

If the run ends before the timer fires, the process is killed as it returns, so every planned
kill is a real one. Not a test module: the tests start it as a subprocess.
"""

import os
import signal
import sys
import threading


def _kill():
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_after(delay):
    if delay <= 0:
        _kill()
    timer = threading.Timer(delay, _kill)
    timer.daemon = True
    timer.start()


def _on_nth_call(owner, name, n, action):
    original = getattr(owner, name)
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            action()
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def arm(plan, output):
    phase, n, delay = plan.split(":")
    n, delay = int(n), float(delay)

    from keras_nhits.saving import atomic as atomic_io
    from keras_nhits.training import callbacks
    from keras_nhits.training import trainer as training

    def later():
        _kill_after(delay)

    if phase == "epoch":
        _on_nth_call(callbacks.EpochRecorder, "on_epoch_begin", n, later)
    elif phase == "checkpoint":
        _on_nth_call(callbacks.ResumableBackup, "on_epoch_end", n, later)
    elif phase == "best":
        _on_nth_call(callbacks.AtomicModelCheckpoint, "on_epoch_end", n, later)
    elif phase == "final":
        _on_nth_call(training.NHITSTrainer, "_write_outputs", n, later)
    elif phase in ("rename-checkpoints", "rename-output"):
        folder = os.path.join(output, "checkpoints") if phase == "rename-checkpoints" else output
        real_replace = os.replace
        renames = [0]

        def replace(src, dst, *args, **kwargs):
            if os.path.dirname(os.path.abspath(os.fspath(dst))) == folder:
                renames[0] += 1
                if renames[0] == n:
                    _kill()
            return real_replace(src, dst, *args, **kwargs)

        atomic_io.os.replace = replace  # `os` is the module: every caller sees the wrapper
    else:
        raise SystemExit(f"unknown kill phase {phase!r}")


def main():
    argv = sys.argv[1:]
    output = os.path.abspath(argv[argv.index("--output") + 1])
    arm(os.environ["NHITS_KILL_AT"], output)

    from keras_nhits.cli import common as cli
    from keras_nhits.cli import train

    cli.run(train.main, argv)
    _kill()  # the run ended before the planned moment: kill it as it returns


if __name__ == "__main__":
    main()
