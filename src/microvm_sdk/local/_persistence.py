"""The state file: loaded on start, and every change on disk before it is acknowledged.

:class:`StateFile` owns the file: it locks it against a second emulator, removes the
temporary files an emulator killed mid-write left behind, reads it, and writes it
atomically (a temporary file in the same directory, renamed over the old one, mode
0600).

:class:`Committer` is the one thread that writes it. A request that changed the state
takes a ticket while it still holds the backend lock and waits for a write that
includes its change before its response is sent; requests that change the state at the
same time share one write (group commit). So a change that got its answer survives the
emulator being killed (``kill -9``, a crash, out of memory). Writes are flushed to the
disk (``fsync`` of the file and its directory) at most ``sync_interval`` apart, and on
stop: a power loss can cost the changes of that last interval, never the file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["Committer", "StateFile", "StateFileError"]

logger = logging.getLogger("microvm_sdk.local")

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]


class StateFileError(Exception):
    """The state file cannot be used: unreadable, not a saved state, in use, or unwritable."""


class StateFile:
    """One state file on disk.

    Args:
        path: The file; its directory is created when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(f".{path.name}.lock")
        self._lock_fd: int | None = None

    def _temp_files(self) -> list[Path]:
        return sorted(self.path.parent.glob(f".{self.path.name}.*.tmp"))

    def open(self) -> dict[str, Any] | None:
        """Lock the file, remove stale temporary files, and return what it holds.

        Returns:
            The saved data, or ``None`` when there is no file yet.

        Raises:
            StateFileError: Another emulator uses the file, or it cannot be read as a
                JSON object.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock()
        except OSError as exc:
            raise StateFileError(f"cannot use the state file {self.path}: {exc}") from exc
        try:
            for stale in self._temp_files():
                with contextlib.suppress(OSError):
                    stale.unlink()
            return self._read()
        except BaseException:
            self.close()
            raise

    def _lock(self) -> None:
        if fcntl is None:
            return
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateFileError(
                f"the state file {self.path} is in use by another running emulator"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        self._lock_fd = fd

    def _read(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileError(f"cannot read the state file {self.path}: {exc}") from exc
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise StateFileError(
                f"the state file {self.path} is not valid JSON ({reason}); "
                "move it away to start with an empty state"
            ) from None
        if not isinstance(data, dict):
            raise StateFileError(f"the state file {self.path} does not hold a saved state")
        return data

    def write(self, data: dict[str, Any], *, sync: bool) -> None:
        """Replace the file with ``data`` atomically; with ``sync``, flush it to the disk."""
        payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
        parent = self.path.parent
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                if sync:
                    os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if sync:
            self._sync_directory()

    def sync(self) -> None:
        """Flush the file as it is now to the disk."""
        with contextlib.suppress(FileNotFoundError):
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self._sync_directory()

    def _sync_directory(self) -> None:
        if os.name != "posix":  # pragma: no cover - directories cannot be opened there
            return
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Release the lock (and remove the lock file)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            self._lock_path.unlink()
        os.close(fd)


class Committer:
    """The thread that writes the state file after changes (see the module docs).

    Args:
        state_file: Where to write.
        snapshot: Returns the state to write; called by the writer thread. It must
            hold the lock under which changes call :meth:`note_change`, so the state
            it returns includes every change whose ticket it reports.
        sync_interval: Seconds at most between flushes to the disk.
    """

    def __init__(
        self,
        state_file: StateFile,
        snapshot: Callable[[], tuple[int, dict[str, Any]]],
        *,
        sync_interval: float = 1.0,
    ) -> None:
        self._file = state_file
        self._snapshot = snapshot
        self._sync_interval = sync_interval
        self._cond = threading.Condition()
        self._changed = 0  # the newest ticket
        self._saved = 0  # the newest ticket on disk
        self._failed = 0  # the newest ticket whose write failed
        self._error: BaseException | None = None
        self._unsynced = False
        self._last_sync = time.monotonic()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="microvm-local-state", daemon=True)

    @property
    def changed(self) -> int:
        """The newest ticket (read it under the lock the changes hold)."""
        return self._changed

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def note_change(self) -> int:
        """Record a change; call while holding the lock the snapshot takes.

        Returns:
            The ticket to :meth:`wait` for, after releasing that lock.
        """
        with self._cond:
            self._changed += 1
            self._cond.notify_all()
            return self._changed

    def wait(self, ticket: int) -> None:
        """Block until the change of ``ticket`` is in the file.

        Raises:
            StateFileError: The write that should have included it failed.
        """
        with self._cond:
            while self._saved < ticket and self._failed < ticket:
                if not self._thread.is_alive():
                    raise StateFileError("the state file writer is not running")
                self._cond.wait(1.0)
            if self._saved < ticket:
                raise StateFileError(f"the state file could not be written: {self._error}")

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is pending, flush it to the disk, and end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and self._changed <= max(self._saved, self._failed):
                    if self._unsynced:
                        due = self._last_sync + self._sync_interval - time.monotonic()
                        if due <= 0:
                            break
                        self._cond.wait(due)
                    else:
                        self._cond.wait()
                stopping = self._stopping
                pending = self._changed > self._saved
            if pending or stopping:
                self._write(sync=stopping or self._sync_due())
            elif self._unsynced:
                self._sync()
            if stopping:
                return

    def _sync_due(self) -> bool:
        return time.monotonic() - self._last_sync >= self._sync_interval

    def _write(self, *, sync: bool) -> None:
        ticket: int | None = None
        try:
            ticket, data = self._snapshot()
            self._file.write(data, sync=sync)
        except Exception as exc:
            logger.exception("could not write the state file %s", self._file.path)
            with self._cond:
                self._failed = max(self._failed, self._changed if ticket is None else ticket)
                self._error = exc
                self._cond.notify_all()
            if not self._stopping:
                time.sleep(0.1)  # do not spin on a full disk
            return
        with self._cond:
            self._saved = max(self._saved, ticket)
            self._unsynced = not sync
            if sync:
                self._last_sync = time.monotonic()
            self._cond.notify_all()

    def _sync(self) -> None:
        try:
            self._file.sync()
        except OSError:
            logger.exception("could not flush the state file %s", self._file.path)
        with self._cond:
            self._unsynced = False
            self._last_sync = time.monotonic()
