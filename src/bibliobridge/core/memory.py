"""Giving freed memory back to the system after a large piece of work.

glibc's allocator keeps what Python and SQLite free in its heap, for the next
allocation; after a catalogue load's big steps (a holder's index postings, a chunk of
prepared records) that is tens of MB the process holds and no longer uses, beside the
import workers that start for the next large file. ``malloc_trim`` returns the free
pages. Elsewhere (another C library) the allocator decides and this does nothing.
"""

import ctypes
import functools

__all__ = ["release_free_memory"]


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
