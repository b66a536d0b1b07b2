"""Reading a file of a data directory safely: a regular file inside it, of bounded size.

A contributed data directory is untrusted. A file that is a symbolic link
leaving the directory (to ``/proc/self/environ``, say), a device such as
``/dev/zero``, a named pipe or a socket is refused before a byte is read, so
nothing outside the directory is ever echoed and nothing blocks or reads
without end.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_CSV_BYTES = 64 * 1024 * 1024  # a CSV file: about a thousand times the packaged data
MAX_JSON_BYTES = 1024 * 1024  # datapackage.json
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024  # a notebook given to the report
MAX_FIGURE_BYTES = 32 * 1024 * 1024  # a chart's SVG, PNG or CSV given to the report


NOT_REGULAR = "is not a regular file (a directory, device, named pipe or socket)"


class UnsafeFile(Exception):
    """The file cannot be read safely; the message says why, without its content."""


def read_bytes(directory: Path, name: str, limit: int, folder: str = "data directory") -> bytes:
    """The bytes of ``directory/name``, if it is a regular file inside ``directory`` of at most ``limit`` bytes.

    Raises:
        FileNotFoundError: if there is no such file.
        UnsafeFile: if it is not a regular file, leads outside the directory, or is too large.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.csv").write_text("x,y")
        >>> read_bytes(folder, "a.csv", 10)
        b'x,y'
        >>> (folder / "b.csv").symlink_to("/etc/hostname")
        >>> read_bytes(folder, "b.csv", 10)
        Traceback (most recent call last):
        ...
        nscale_data.package.files.UnsafeFile: is a symbolic link to a file outside the data directory
    """
    root = Path(os.path.realpath(directory))
    path = directory / name
    if not os.path.lexists(path):
        raise FileNotFoundError(name)
    target = Path(os.path.realpath(path))  # never raises, even for a loop of links
    if path.is_symlink() and not target.is_relative_to(root):
        raise UnsafeFile(f"is a symbolic link to a file outside the {folder}")
    try:
        if not stat.S_ISREG(os.stat(target).st_mode):  # looked at, not opened: a pipe cannot block here
            raise UnsafeFile(NOT_REGULAR)
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(name) from None
    except PermissionError:
        raise UnsafeFile("cannot be read: permission denied") from None
    except OSError as exc:
        raise UnsafeFile(f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(NOT_REGULAR)
        if info.st_size > limit:
            raise UnsafeFile(f"is {info.st_size:,} bytes; the limit is {limit:,}")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnsafeFile(f"is larger than the limit of {limit:,} bytes")
    return data
