"""One training run per output folder at a time.

Two runs writing checkpoints, configs and metrics into the same `--output` would overwrite each
other's files and leave a folder that matches neither run. `RunLock` stops the second one with a
clear message before it writes anything.

The lock is an exclusive `fcntl.flock` on a `.lock` file inside the folder, taken without waiting.
The kernel drops a flock when its process ends, however it ends (SIGKILL, out-of-memory killer,
crash), so a dead run never leaves a stale lock behind; a pid file alone would need guessing
whether its pid is still alive (and pids are reused). The holder's pid is written into the file
only so the message can name it.
"""

import os
import warnings
from pathlib import Path

from keras_nhits.errors import NHITSInputError

try:
    import fcntl
except ImportError:  # Windows: no flock.
    fcntl = None

LOCK_FILE_NAME = ".lock"


class RunLock:
    """An exclusive, non-blocking lock on an output folder, as a context manager.

    Args:
        folder: the run's output folder. It is created (with its parents) when the lock is
            acquired, not when the `RunLock` is made.
        flag: the flag that named `folder`, for the messages (default `--output`; a run also
            locks its `--checkpoint-dir`, which another run's `--output` may not contain).

    Entering acquires the lock or raises `NHITSInputError`: "output folder X is in use by another
    run (pid N); wait for it or choose another --output", or "output folder X cannot be used"
    when it cannot be created or opened (a file of that name, a read-only parent). Leaving
    releases it; so does the process ending in any way. The `.lock` file itself stays in the
    folder (deleting it would let a run that opened the old file and one that creates a new one
    both hold "the" lock).

    The lock belongs to the open file: a child made with `os.fork` while the lock is held keeps it
    held until the child exits too. On platforms without `fcntl` (Windows) no lock is taken and a
    `RuntimeWarning` says so.

    Example:
        >>> with RunLock("runs/electricity"):  # doctest: +SKIP
        ...     train(config)
    """

    def __init__(self, folder, flag="--output"):
        self.folder = Path(folder)
        self.flag = flag
        self.path = self.folder / LOCK_FILE_NAME
        self._fd = None

    @property
    def locked(self):
        """Whether this object holds the lock now."""
        return self._fd is not None

    def acquire(self):
        """Take the lock or raise `NHITSInputError` naming the folder and the holder's pid."""
        if self._fd is not None:
            raise RuntimeError(f"this RunLock already holds {self.path}")
        if fcntl is None:
            warnings.warn(
                "file locking is not available on this platform; nothing stops another run from "
                f"writing to {self.folder} at the same time",
                RuntimeWarning,
                stacklevel=2,
            )
            return self
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            # A file where the folder should be, a read-only or missing parent: bad --output.
            raise NHITSInputError(
                f"{_what(self.flag)} {self.folder} cannot be used: {error.strerror or error}; "
                f"choose another {self.flag}"
            ) from None
        _lock_or_refuse(fd, self.folder, self.flag)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self):
        """Give the lock up; a no-op when not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Clear the pid while still holding the lock, so no one reads a finished run's pid.
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()

    def __repr__(self):
        return f"RunLock({str(self.folder)!r}, locked={self.locked})"


def refuse_if_in_use(folder, flag="--output"):
    """Raises the "in use by another run" error if a live run holds `folder`'s lock.

    Creates and changes nothing (a folder without a `.lock` file is free), so a run can say that
    another one is at work before it checks, and refuses, what that run is writing.
    """
    if fcntl is None:
        return
    try:
        fd = os.open(Path(folder) / LOCK_FILE_NAME, os.O_RDONLY)
    except OSError:
        return
    _lock_or_refuse(fd, Path(folder), flag)  # closes fd when it raises
    os.close(fd)  # closing drops the flock


def _what(flag):
    return "output folder" if flag == "--output" else f"{flag} folder"


def _lock_or_refuse(fd, folder, flag="--output"):
    """Takes the flock on `fd` without waiting, or closes `fd` and raises naming the holder."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        raise NHITSInputError(
            f"{_what(flag)} {folder} is in use by another run (pid {holder}); "
            f"wait for it or choose another {flag}"
        ) from None
    except BaseException:
        os.close(fd)
        raise


def _read_pid(fd):
    """The pid the holder wrote, or "unknown" (it may not have written it yet)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"
