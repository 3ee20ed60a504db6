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
