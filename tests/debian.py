"""Debian packages that some tests need (Chromium, Go), installed with apt-get where we may.

Test workers run in parallel (``make test`` uses pytest-xdist), and two ``apt-get`` runs at
once fail on dpkg's lock, so installs are serialised by a file lock, and each worker checks
again, once it holds the lock, whether another worker installed the packages meanwhile.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

LOCK = Path(tempfile.gettempdir()) / "rada-tests-apt.lock"


def apt_install(packages: list[str], *, present: Callable[[], bool]) -> str | None:
    """Install ``packages`` unless ``present()``; return why they could not be, or None."""
    if present():
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root, or no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if present():
            return None
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", *packages],
        ):
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                return f"`{' '.join(command)}` failed: {done.stderr.strip()[-300:]}"
    return None if present() else f"apt-get installed {' '.join(packages)}, yet they are missing"
