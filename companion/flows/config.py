"""The install's flows folders (administrators): read, and checked before they are saved.

The check proves what the links need: the companion can write the flows folder and the links
folder inside the chosen Jellyfin music library, and Jellyfin sees both a probe file in the
flows folder at the very same path and a probe link in the library. Nothing is saved when a
check fails, and the probe files are removed (the link first).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path, PurePosixPath
from typing import Any

from companion.accounts.models import Setting
from companion.downloads import config as downloads_config
from companion.downloads.config import FolderSettings
from companion.downloads.probe import check_folder
from companion.errors import BadRequest, InvalidInput, ServiceUnavailable
from companion.flows.files import make_link, remove_link
from companion.flows.layout import DEFAULT_LINKS_NAME, FlowFolders, safe_name
from companion.library.transient import declare_transient_folder
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable

SETTING_KEY = "flows.folders"
SAME_MOUNT = (
    "Mount the flows folder at the same path in the companion's and Jellyfin's containers: "
    "links store the file's absolute path and Jellyfin follows them in its own container."
)


async def load_folders() -> FlowFolders | None:
    """The saved folders, or None until an administrator chose them."""
    row = await Setting.get_or_none(key=SETTING_KEY)
    if row is None or not isinstance(row.value, dict):
        return None
    return FlowFolders.from_dict(row.value)


def _str(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"'{key}' is required.", details={"field": key})
        return None
    if not isinstance(value, str) or len(value) > 1024:
        raise InvalidInput(f"'{key}' must be a path.", details={"field": key})
    return value.strip()


def _absolute(value: str, key: str) -> str:
    if not value.startswith("/"):
        raise InvalidInput(f"'{key}' must be an absolute path.", details={"field": key})
    return str(PurePosixPath(value))


def _inside(child: str, parent: str) -> bool:
    return child == parent or child.startswith(parent.rstrip("/") + "/")


def parse_folders(
    body: dict[str, Any],
    library_paths: dict[str, tuple[str, ...]],
    downloads: FolderSettings | None = None,
) -> FlowFolders:
    """Check the fields against Jellyfin's music libraries (id → locations); the library
    folder and its two names default to the Downloads settings (one mapping per install)."""
    body = dict(body)
    if downloads is not None and downloads.ready:
        for key, value in (
            ("library_id", downloads.library_id),
            ("library_path", downloads.jellyfin_folder),
            ("local_library", downloads.companion_folder),
        ):
            if value and not body.get(key):
                body[key] = value
    if not body.get("library_id") and isinstance(body.get("library_path"), str):
        # The library whose folders hold the chosen folder.
        body["library_id"] = next(
            (
                lib_id
                for lib_id, locations in library_paths.items()
                if any(_inside(body["library_path"], loc) for loc in locations)
            ),
            None,
        )
    if not body.get("library_id"):
        raise InvalidInput(
            "Choose the library folder on the Downloads page first (flows put their links in "
            "it), or give 'library_id'.",
            code="flows_library_unknown",
            details={"field": "library_id"},
        )
    library_id = _str(body, "library_id") or ""
    if library_id not in library_paths:
        raise InvalidInput(
            "'library_id' must be one of Jellyfin's music libraries.",
            code="flows_library_unknown",
            details={"field": "library_id", "libraries": sorted(library_paths)},
        )
    locations = library_paths[library_id]
    library_path = _str(body, "library_path", required=False) or (locations[0] if locations else "")
    if not any(_inside(library_path, location) for location in locations):
        raise InvalidInput(
            "'library_path' must be one of the library's folders in Jellyfin (or inside one).",
            details={"field": "library_path", "locations": list(locations)},
        )
    local = _absolute(_str(body, "local_library", required=False) or library_path, "local_library")
    flows = _absolute(_str(body, "flows_path") or "", "flows_path")
    links = _str(body, "links_name", required=False) or DEFAULT_LINKS_NAME
    if links.startswith("."):
        raise InvalidInput(
            "Jellyfin ignores folders whose name starts with a dot, so flow links there would "
            "never show up. Choose a name without the leading dot.",
            code="flows_links_hidden",
            details={"field": "links_name"},
        )
    if safe_name(links) != links:
        raise InvalidInput(
            "'links_name' must be a plain folder name.", details={"field": "links_name"}
        )
    if _inside(flows, local) or _inside(flows, library_path) or _inside(local, flows):
        raise InvalidInput(
            "The flows folder must be outside the library folder (Jellyfin would list every "
            "file twice).",
            details={"field": "flows_path"},
        )
    return FlowFolders(
        library_id=library_id,
        library_path=library_path,
        local_library=local,
        flows_path=flows,
        links_name=links,
    )


def _folders_ready(folders: FlowFolders) -> None:
    """Create the flows and links folders; refuse ones the companion cannot write."""
    for path, what in ((folders.flows_path, "flows folder"), (folders.links_root, "links folder")):
        try:
            Path(path).mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise BadRequest(
                f"The companion cannot create the {what} {path}: {err.strerror}.",
                code="flows_folder_unusable",
            ) from None
        if not os.access(path, os.W_OK):
            raise BadRequest(
                f"The companion cannot write to the {what} {path}.", code="flows_folder_unusable"
            )


def _link_probe(folders: FlowFolders, token: str) -> tuple[str, str]:
    probe = str(Path(folders.flows_path) / f"companion-probe-{token}.txt")
    link = str(Path(folders.links_root) / f"companion-probe-{token}.txt")
    Path(probe).write_text("Jellyfin companion: checking the flows folders.\n")
    make_link(probe, link)
    return probe, link


def _cleanup(probe: str, link: str) -> None:
    # The link first: a link is never left pointing at nothing.
    remove_link(link)
    Path(probe).unlink(missing_ok=True)


async def check_folders(providers: Providers, folders: FlowFolders) -> None:
    """Prove Jellyfin sees the flows folder at the same path (the Downloads check, with a
    probe file) and follows a probe link from the library's links folder into it."""
    jellyfin = providers.library_folders
    if jellyfin is None:
        raise ServiceUnavailable(code="jellyfin_unreachable")
    await asyncio.to_thread(_folders_ready, folders)
    problem = await check_folder(folders.flows_path, folders.flows_path, providers)
    if problem is not None:
        raise BadRequest(
            f"Jellyfin does not see the flows folder at {folders.flows_path}: {problem} "
            f"{SAME_MOUNT}",
            code="flows_jellyfin_cannot_see",
        )
    probe, link = await asyncio.to_thread(_link_probe, folders, secrets.token_hex(6))
    try:
        seen_link = await jellyfin.file_exists(folders.jellyfin_path(link))
    except ProviderUnavailable as err:
        raise ServiceUnavailable(str(err), code="jellyfin_unreachable") from None
    except CredentialsRejected as err:
        raise BadRequest(str(err), code="jellyfin_not_admin") from None
    finally:
        await asyncio.to_thread(_cleanup, probe, link)
    if not seen_link:
        raise BadRequest(
            f"Jellyfin does not find {folders.jellyfin_path(link)}, a link into the flows "
            f"folder. Check that 'local_library' ({folders.local_library}) is the folder "
            f"Jellyfin knows as {folders.library_path}.",
            code="flows_jellyfin_cannot_see",
        )


async def save_folders(providers: Providers, body: dict[str, Any]) -> FlowFolders:
    """Check and save; nothing is stored when a check fails."""
    jellyfin = providers.library_folders
    if jellyfin is None:
        raise ServiceUnavailable(code="jellyfin_unreachable")
    try:
        libraries = await jellyfin.music_libraries()
    except ProviderUnavailable as err:
        raise ServiceUnavailable(str(err), code="jellyfin_unreachable") from None
    except CredentialsRejected as err:
        raise BadRequest(str(err), code="jellyfin_not_admin") from None
    downloads = await downloads_config.load()
    folders = parse_folders(body, {lib.id: lib.locations for lib in libraries}, downloads)
    await check_folders(providers, folders)
    await Setting.update_or_create(key=SETTING_KEY, defaults={"value": folders.as_dict()})
    await declare_links_folder(folders)
    return folders


async def declare_links_folder(folders: FlowFolders | None) -> None:
    """Tell the library that items under the links folder are temporary (never a match for a
    wanted track: they leave Jellyfin at the week's reset)."""
    jellyfin_links = (
        str(PurePosixPath(folders.library_path) / folders.links_name) if folders else None
    )
    await declare_transient_folder("flows", jellyfin_links)
