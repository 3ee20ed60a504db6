"""Memory over a large piece of work: the cyclic collector paused while it builds, and
freed memory given back to the system after it.

A catalogue load or an exchange match builds millions of lists, sets and tuples that
live until the step ends. The cyclic collector, run after every 700 new ones, walks them
again and again as they grow: a sixth of a load's apply step, a third of a match. They
make no cycles (reference counting frees them), so the work is done with the collector
paused (``collector_paused``); it runs as before afterwards, and finds whatever cycles
the step did leave.

glibc's allocator keeps what Python and SQLite free in its heap, for the next
allocation; after a catalogue load's big steps (a holder's index postings, a chunk of
prepared records) that is tens of MB the process holds and no longer uses, beside the
import workers that start for the next large file. ``malloc_trim`` returns the free
pages. Elsewhere (another C library) the allocator decides and this does nothing.
"""

import contextlib
import ctypes
import functools
import gc
from collections.abc import Iterator

__all__ = ["collector_paused", "release_free_memory"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The block without the cyclic collector (as it was before, after it; nested blocks
    leave it paused until the outermost ends)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def _malloc_trim():
    # The symbols the interpreter already has: ctypes.util.find_library would fork the
    # process to run ldconfig.
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
