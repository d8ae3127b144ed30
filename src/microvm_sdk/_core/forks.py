"""Surviving ``os.fork()``: locks, half-built state and pooled connections.

A child made by ``fork`` runs one thread, the one that called it. Whatever the other
threads were doing stays as they left it, forever: a lock they held stays held, a module
they were importing stays half imported (and ``import`` of it in the child waits for
them), a connection they pooled is shared with the parent. The SDK keeps two rules:

- **Fork waits for loading.** Code that imports modules or builds what calls share
  (local work: no network I/O) runs inside :func:`loading`. A hook that ``fork`` runs
  first waits until no other thread is inside such a section (at most
  :data:`LOADING_WAIT` seconds), and sections that start meanwhile wait for the fork.
  Sections never wait for each other. So a child never inherits a half-imported module,
  nor a lock that loading code held.
- **The child starts afresh.** Objects holding locks, connections or state that other
  threads may have left half done register with :func:`track`; in the child, each
  one's ``_after_fork()`` replaces its locks and drops that state, to be built again on
  first use (connections are opened anew, credentials resolved again). Everything else
  the SDK caches is filled by single assignments under the GIL, which a fork cannot
  split.

Nothing is registered with ``os.register_at_fork`` until the first object is tracked or
the first loading section is entered (which imports ``logging``, see :func:`_hook`):
importing this module does nothing else.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    import logging

__all__ = ["LOADING_WAIT", "ForkAware", "loading", "track"]

#: The longest ``fork`` waits for loading in other threads to end, in seconds. Loading
#: is imports and local work; on an overloaded machine it may take seconds, not minutes.
LOADING_WAIT: Final = 30.0


class ForkAware(Protocol):
    """An object that puts itself right in a forked child."""

    def _after_fork(self) -> None:
        """Replace locks and drop state other threads may have left half done."""


class _State:
    """Who is loading, and who is forking (one per process)."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        #: Threads inside loading sections, with how deep (sections nest).
        self.inside: dict[int, int] = {}
        #: The thread that is forking, from its before-fork hook to its after-fork hook.
        self.forking: int | None = None
        #: Whether the hooks of loading sections, and of tracked objects, are registered.
        self.hooked = False
        self.child_hooked = False


_state = _State()
_tracked: weakref.WeakSet[ForkAware] = weakref.WeakSet()


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """A section that imports or builds shared state: ``fork`` waits until it ends.

    It waits only while another thread forks. Use it only around code that does no
    network I/O: ``fork`` in another thread waits for it.
    """
    state = _state
    if not state.hooked:
        _hook()
    me = threading.get_ident()
    with state.cond:
        while state.forking is not None and state.forking != me:
            state.cond.wait()
        state.inside[me] = state.inside.get(me, 0) + 1
    try:
        yield
    finally:
        with state.cond:  # read again: a forked child has a new one
            depth = state.inside.pop(me, 1) - 1
            if depth:
                state.inside[me] = depth
            else:
                state.cond.notify_all()


def track(obj: ForkAware) -> None:
    """Call ``obj._after_fork()`` in every child forked while ``obj`` is alive."""
    if not _state.child_hooked:
        _hook_child()
    _tracked.add(obj)


def _hook_child() -> None:
    """Register the hook that resets a forked child, once."""
    with _state.cond:
        if not _state.child_hooked and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
        _state.child_hooked = True


def _hook() -> None:
    """Register the hooks that make ``fork`` wait for loading, once.

    ``logging`` is imported first (loading imports it anyway): its own before-fork hook
    takes its module lock, which loading code takes too (``getLogger``). Hooks
    registered later run earlier, so ours waits for loading before ``logging`` locks
    anything.
    """
    import logging  # noqa: F401 - see above

    _hook_child()
    with _state.cond:
        if not _state.hooked and hasattr(os, "register_at_fork"):
            os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent)
        _state.hooked = True


def _before_fork() -> None:
    state = _state
    me = threading.get_ident()
    with state.cond:
        state.forking = me
        done = state.cond.wait_for(
            lambda: all(thread == me for thread in state.inside), timeout=LOADING_WAIT
        )
    if not done:  # pragma: no cover - a loading section that does not end
        _logger().warning(
            "fork() waited %.0f s for microvm_sdk to finish loading in another thread and"
            " went ahead; the child may hang on what was being loaded",
            LOADING_WAIT,
        )


def _after_fork_in_parent() -> None:
    with _state.cond:
        _state.forking = None
        _state.cond.notify_all()


def _after_fork_in_child() -> None:  # pragma: no cover - runs in forked children
    state = _state
    me = threading.get_ident()
    state.cond = threading.Condition(threading.Lock())
    state.inside = {me: state.inside[me]} if me in state.inside else {}
    state.forking = None
    for obj in list(_tracked):
        try:
            obj._after_fork()
        except Exception:
            _logger().exception("cannot reset %s after fork", type(obj).__name__)


def _logger() -> logging.Logger:
    import logging  # only when there is something to say: the SDK imports it lazily

    return logging.getLogger("microvm_sdk")
