"""Filesystem steps of flows, each safe to run again after a crash (idempotent).

A step is a JSON list `[op, args...]`:

- `["link", target, path]`   make a symlink (replaced only when it points elsewhere);
- `["unlink", path]`          remove a symlink (never a regular file);
- `["place", src, dst]`       put a file at `dst` too, never overwriting anything there (a
  hard link on one filesystem; copy, fsync and link across filesystems); with a later
  `["drop_source", src, dst]` it is a move that a kill at any instant leaves at `src`, at `dst` or at
  both, never nowhere;
- `["delete", path]`          remove a regular file (never a link);
- `["drop_source", src, dst]` remove `src` only once `dst` holds the same file (the end of a
  move: when placing failed, the file stays where it was);
- `["prune", folder, root]`   remove empty folders from `folder` up to, not including, `root`.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)

Step = list[Any]
AfterStep = Callable[[int, Step], None]
FS_OPS = frozenset({"link", "unlink", "place", "drop_source", "delete", "prune"})


class StepError(Exception):
    """A step cannot be carried out safely (the message says why)."""


def make_link(target: str, path: str) -> None:
    """Point `path` at `target` (absolute); an existing link elsewhere is replaced atomically."""
    if not os.path.exists(target):
        raise StepError(f"{target} does not exist; no link is made to it")
    link = Path(path)
    if link.is_symlink():
        if os.readlink(link) == target:
            return
        tmp = link.with_name(f"{link.name}.relink")
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, link)
        return
    if link.exists():
        raise StepError(f"{path} exists and is not a link; it is left alone")
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)


def remove_link(path: str) -> None:
    """Remove a symlink; nothing when it is gone; refuse a regular file."""
    link = Path(path)
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        raise StepError(f"{path} is not a link; it is left alone")


def place_file(src: str, dst: str) -> None:
    """Make `dst` hold the file at `src` (which stays), never overwriting another file."""
    source, target = Path(src), Path(dst)
    src_there = source.exists() and not source.is_symlink()
    if target.exists():
        if not src_there:
            return  # placed, and the source removed, before the crash
        if os.path.samefile(source, target) or source.stat().st_size == target.stat().st_size:
            return  # placed before the crash
        raise StepError(f"{dst} already holds another file; {src} is kept where it is")
    if not src_there:
        raise StepError(f"{src} is gone and {dst} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # A hard link never replaces an existing file (unlike rename) and is atomic.
        os.link(source, target)
    except OSError as err:
        if err.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
        _copy_then_link(source, target)


def _copy_then_link(source: Path, target: Path) -> None:
    # Across filesystems: a complete, synced copy appears under its final name in one step.
    part = target.with_name(f"{target.name}.part")
    shutil.copyfile(source, part)
    with part.open("rb") as handle:
        os.fsync(handle.fileno())
    try:
        os.link(part, target)
    finally:
        part.unlink()


def delete_file(path: str) -> None:
    """Remove a regular file; nothing when it is gone; refuse a link."""
    file = Path(path)
    if file.is_symlink():
        raise StepError(f"{path} is a link, not a flow file; it is left alone")
    if file.exists():
        file.unlink()


def drop_source(src: str, dst: str) -> None:
    """Remove `src` once `dst` holds the same file; refuse otherwise (nothing is lost)."""
    source, target = Path(src), Path(dst)
    if not source.exists() or source.is_symlink():
        return
    if not target.exists() or not (
        os.path.samefile(source, target) or source.stat().st_size == target.stat().st_size
    ):
        raise StepError(f"{dst} does not hold {src} yet; the source is kept")
    source.unlink()


def prune(folder: str, root: str) -> None:
    """Remove empty folders from `folder` upwards, stopping below `root`."""
    stop = Path(root).resolve()
    current = Path(folder)
    while True:
        try:
            resolved = current.resolve()
        except OSError:
            return
        if resolved == stop or stop not in resolved.parents:
            return
        try:
            current.rmdir()
        except OSError:
            return  # not empty (or already gone and its parent is what matters)
        current = current.parent


def run_step(step: Step) -> None:
    """Carry out one filesystem step."""
    op = step[0]
    if op == "link":
        make_link(step[1], step[2])
    elif op == "unlink":
        remove_link(step[1])
    elif op == "place":
        place_file(step[1], step[2])
    elif op == "delete":
        delete_file(step[1])
    elif op == "drop_source":
        drop_source(step[1], step[2])
    elif op == "prune":
        prune(step[1], step[2])
    else:
        raise StepError(f"unknown step {op!r}")


def run_steps(
    steps: Sequence[Step], first: int, after: AfterStep | None = None
) -> list[tuple[int, str]]:
    """Run filesystem steps in order (in a worker thread); the errors, by step index.

    A step that fails is logged and skipped: the others still run, so one odd file never
    leaves every other link of a reset in place.
    """
    errors: list[tuple[int, str]] = []
    for offset, step in enumerate(steps):
        index = first + offset
        try:
            run_step(step)
        except (OSError, StepError) as err:
            _LOGGER.warning("Flow step %s %s failed: %s", step[0], step[1:], err)
            errors.append((index, str(err)))
        if after is not None:
            after(index, step)
    return errors


def dangling_links(root: str) -> list[str]:
    """Every symlink below `root` whose target does not exist."""
    found: list[str] = []
    if not os.path.isdir(root):
        return found
    for folder, dirs, names in os.walk(root):
        for name in (*names, *dirs):
            path = os.path.join(folder, name)
            if os.path.islink(path) and not os.path.exists(path):
                found.append(path)
    return found
