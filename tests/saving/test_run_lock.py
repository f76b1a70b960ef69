"""RunLock: a second run on the same output folder is refused, and a killed holder frees it."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.saving.run_lock import RunLock, refuse_if_in_use

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fcntl.flock is POSIX-only")

HOLDER = textwrap.dedent(
    """
    import sys, time
    from keras_nhits.saving.run_lock import RunLock
    RunLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def holder(tmp_path):
    """A separate process holding the lock on `tmp_path / "run"` until it is killed."""
    folder = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "locked"
        yield folder, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()


def test_second_run_is_refused_until_the_holder_is_killed(holder):
    folder, process = holder
    with pytest.raises(NHITSInputError) as raised:
        with RunLock(folder):
            pytest.fail("acquired a lock another process holds")
    assert str(raised.value) == (
        f"output folder {folder} is in use by another run (pid {process.pid}); "
        "wait for it or choose another --output"
    )

    # SIGKILL: the holder gets no chance to clean up, yet the kernel drops its flock.
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    with RunLock(folder) as lock:
        assert lock.locked
        assert (folder / ".lock").read_text().strip() == str(os.getpid())


def test_folder_is_created_on_acquire_not_before(tmp_path):
    folder = tmp_path / "a" / "b"
    lock = RunLock(folder)
    assert not folder.exists()
    with lock:
        assert folder.is_dir()
    assert not lock.locked


def test_release_lets_the_next_run_in(tmp_path):
    with RunLock(tmp_path):
        pass
    with RunLock(tmp_path) as lock:
        assert lock.locked


def test_same_process_cannot_lock_twice(tmp_path):
    with RunLock(tmp_path):
        with pytest.raises(NHITSInputError, match=rf"in use by another run \(pid {os.getpid()}\)"):
            RunLock(tmp_path).acquire()


def test_reentering_the_same_lock_is_a_bug(tmp_path):
    with RunLock(tmp_path) as lock:
        with pytest.raises(RuntimeError, match="already holds"):
            lock.acquire()


def test_the_probe_names_a_live_holder_and_creates_nothing(holder, tmp_path):
    folder, process = holder
    with pytest.raises(NHITSInputError, match=f"in use by another run \\(pid {process.pid}\\)"):
        refuse_if_in_use(folder)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    refuse_if_in_use(folder)  # a dead holder's lock is free
    refuse_if_in_use(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()
    with RunLock(folder):  # the probe left nothing held
        pass
