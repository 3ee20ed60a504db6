import sys

from bibliobridge.core.memory import _malloc_trim, release_free_memory


def test_release_free_memory_without_a_subprocess(monkeypatch):
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError("no subprocess to find the C library")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    _malloc_trim.cache_clear()
    release_free_memory()
    if sys.platform == "linux":
        assert _malloc_trim() is not None  # glibc (Debian's Python)


def test_the_collector_is_paused_in_the_block_and_as_it_was_after():
    import gc

    from bibliobridge.core.memory import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still running
    assert gc.isenabled()

    try:
        with collector_paused():
            raise ValueError("the step failed")
    except ValueError:
        pass
    assert gc.isenabled()

    gc.disable()  # paused by someone else: left paused
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
