"""Opening input files: regular files only, refused at once otherwise.

A FIFO, a character device or a socket named as an input (a workload, a price overlay, an FX file, a
saved result, a log) would block `open()` or `read()` forever, or read without end (/dev/zero). Every
reader opens through here, so the refusal is one rule in one place and never waits.
"""

from __future__ import annotations

import io
import os
import stat

NOT_REGULAR = "not a regular file (a device, FIFO or socket)"


def open_regular(path: str | os.PathLike[str]) -> io.BufferedReader:
    """A binary handle on a regular file. Raises OSError (strerror set) for anything else; O_NONBLOCK
    keeps opening a FIFO without a writer from waiting, and is cleared before reading."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory")
        if not stat.S_ISREG(mode):
            raise OSError(0, NOT_REGULAR)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


MIB = 1 << 20
# Files people write by hand (price overlays, workloads, FX rates): far below this. A bigger one is a
# mistake or an attack, and parsing it would take gigabytes of memory.
MAX_HAND_WRITTEN_BYTES = 64 * MIB


class TooLargeError(OSError):
    """A file above the size its kind may have; strerror says so (callers report it as `cannot read`)."""


def read_regular(path: str | os.PathLike[str], max_bytes: int | None = None, what: str = "file") -> bytes:
    """The bytes of a regular file; with `max_bytes`, refused (TooLargeError) past that size, reading
    at most one byte more (a 1 GB file is never loaded to find out)."""
    with open_regular(path) as handle:
        if max_bytes is None:
            return handle.read()
        too_large = TooLargeError(0, f"larger than {max_bytes // MIB} MiB, the most a {what} may be")
        if os.fstat(handle.fileno()).st_size > max_bytes:  # refused before a byte is read
            raise too_large
        data = handle.read(max_bytes + 1)  # a file growing while it is read is held to the cap too
    if len(data) > max_bytes:
        raise too_large
    return data
