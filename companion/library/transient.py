"""Library folders whose items are temporary (a weekly flow's links): never a match for a wanted
track, since they leave the library at the next reset.

Owners (flows) declare their folder as Jellyfin sees it; the import matcher and the downloads
arrival skip index rows under any declared folder.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q

from companion.accounts.models import Setting

SETTING_KEY = "library.transient_folders"


async def transient_folders() -> tuple[str, ...]:
    """Every declared temporary folder (Jellyfin paths, each ending with "/")."""
    row = await Setting.get_or_none(key=SETTING_KEY)
    if row is None or not isinstance(row.value, dict):
        return ()
    return tuple(sorted(str(v) for v in row.value.values() if isinstance(v, str) and v))


async def declare_transient_folder(owner: str, folder: str | None) -> None:
    """Declare (or, with None, withdraw) the temporary folder of an owner such as "flows"."""
    row = await Setting.get_or_none(key=SETTING_KEY)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    if folder:
        value[owner] = folder.rstrip("/") + "/"
    else:
        value.pop(owner, None)
    await Setting.update_or_create(key=SETTING_KEY, defaults={"value": value})


def is_transient(path: str | None, folders: Iterable[str]) -> bool:
    """Whether an indexed path lies inside one of the folders."""
    return bool(path) and any(path.startswith(f) for f in folders)  # type: ignore[union-attr]


def outside(folders: Iterable[str]) -> Q:
    """A filter for index rows outside every folder (rows without a path are kept)."""
    q = Q()
    for folder in folders:
        q &= Q(path__isnull=True) | ~Q(path__startswith=folder)
    return q
