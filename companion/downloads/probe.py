"""Save-time checks of the path mapping: write a probe file, ask each service to find it.

Containers mount folders under different names, and a mapping that does not line up fails
only much later (Lidarr imports nowhere Jellyfin looks, a file is moved where nobody scans). So
the companion writes `.companion-probe-<random>` into the folder and asks Jellyfin (and Lidarr,
and slskd for its download folder) whether they see it under the name the admin gave.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from companion.downloads.config import FolderSettings
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable
from companion.providers.downloads import DownloadRefused


@dataclass(frozen=True, slots=True)
class Check:
    """One check: what was checked, whether it passed, and what to do when not."""

    name: str
    ok: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        """The JSON shape."""
        return {"name": self.name, "ok": self.ok, "message": self.message}


def _write_probe(folder: Path) -> Path:
    probe = folder / f".companion-probe-{secrets.token_hex(6)}"
    probe.write_text("written by the Jellyfin companion to check the path mapping\n")
    return probe


async def _probe(folder: str, label: str) -> tuple[Path | None, Check]:
    path = Path(folder)
    if not await asyncio.to_thread(path.is_dir):
        return None, Check(
            label,
            False,
            f"The companion has no folder {folder}. Mount the folder into the companion's "
            "container (read-write) and enter the path it has there.",
        )
    try:
        probe = await asyncio.to_thread(_write_probe, path)
    except OSError as err:
        return None, Check(
            label,
            False,
            f"The companion cannot write to {folder} ({err.strerror or err}). Mount it read-write.",
        )
    return probe, Check(label, True, f"The companion can write to {folder}.")


async def _ask(name: str, question: object) -> bool | str:
    try:
        return bool(await question)  # type: ignore[misc]
    except (ProviderUnavailable, CredentialsRejected, DownloadRefused) as err:
        return f"{name} could not be asked: {err}"


async def check(settings: FolderSettings, providers: Providers) -> list[Check]:
    """Every check the settings allow; the probe files are removed again."""
    checks: list[Check] = []
    probes: list[Path] = []
    try:
        if settings.companion_folder and settings.jellyfin_folder:
            probe, wrote = await _probe(settings.companion_folder, "companion")
            checks.append(wrote)
            if probe is not None:
                probes.append(probe)
                checks.append(await _jellyfin(settings, providers, probe))
                if settings.lidarr_folder:
                    checks.append(await _lidarr(settings, providers, probe))
        else:
            checks.append(
                Check(
                    "companion",
                    False,
                    "Choose the library folder: its path in Jellyfin and in the companion.",
                )
            )
        if settings.slskd_folder:
            probe, wrote = await _probe(settings.slskd_folder, "slskd folder")
            checks.append(wrote)
            if probe is not None:
                probes.append(probe)
                checks.append(await _slskd(providers, probe))
    finally:
        for probe in probes:
            probe.unlink(missing_ok=True)
    return checks


async def _jellyfin(settings: FolderSettings, providers: Providers, probe: Path) -> Check:
    assert settings.jellyfin_folder is not None
    folders = providers.library_folders
    if folders is None:
        return Check("jellyfin", False, "Jellyfin is not set up; connect it first.")
    seen_as = str(PurePosixPath(settings.jellyfin_folder) / probe.name)
    answer = await _ask("Jellyfin", folders.file_exists(seen_as))
    if isinstance(answer, str):
        return Check("jellyfin", False, answer)
    if not answer:
        return Check(
            "jellyfin",
            False,
            f"The companion wrote {probe}, but Jellyfin has no {seen_as}: the companion's "
            f"{settings.companion_folder} and Jellyfin's {settings.jellyfin_folder} are not the "
            "same folder. Mount the same host folder into both containers and enter the path "
            "each one has.",
        )
    return Check("jellyfin", True, f"Jellyfin sees the folder as {settings.jellyfin_folder}.")


async def _lidarr(settings: FolderSettings, providers: Providers, probe: Path) -> Check:
    assert settings.lidarr_folder is not None
    albums = providers.albums
    if albums is None:
        return Check("lidarr", False, "Lidarr is not set up; add the Lidarr integration first.")
    seen_as = str(PurePosixPath(settings.lidarr_folder) / probe.name)
    answer = await _ask("Lidarr", albums.file_exists(seen_as))
    if isinstance(answer, str):
        return Check("lidarr", False, answer)
    if not answer:
        return Check(
            "lidarr",
            False,
            f"The companion wrote {probe}, but Lidarr has no {seen_as}: Lidarr's root folder "
            f"{settings.lidarr_folder} is not the library folder. Mount the same host folder "
            "into Lidarr's container and pick the root folder that has it.",
        )
    return Check("lidarr", True, f"Lidarr sees the folder as {settings.lidarr_folder}.")


async def _slskd(providers: Providers, probe: Path) -> Check:
    files = providers.files
    if files is None:
        return Check("slskd", False, "slskd is not set up; add the slskd integration first.")
    try:
        listing = await files.listing()
    except (ProviderUnavailable, DownloadRefused) as err:
        return Check("slskd", False, f"slskd could not be asked: {err}")
    if probe.name not in listing.names:
        return Check(
            "slskd",
            False,
            f"The companion wrote {probe}, but slskd's download folder {listing.path} does not "
            f"have it: {probe.parent} is not slskd's download folder. Mount slskd's download "
            "folder into the companion's container and enter the path it has there.",
        )
    return Check(
        "slskd", True, f"slskd downloads into {listing.path}, which is {probe.parent} here."
    )


async def check_folder(
    companion_folder: str, jellyfin_folder: str, providers: Providers
) -> str | None:
    """Whether Jellyfin sees the companion's folder under the given path: the problem to show,
    or None. Writes and removes a probe file (flows check their folder with it)."""
    probe, wrote = await _probe(companion_folder, "companion")
    if probe is None:
        return wrote.message
    try:
        settings = FolderSettings(
            companion_folder=companion_folder, jellyfin_folder=jellyfin_folder
        )
        seen = await _jellyfin(settings, providers, probe)
    finally:
        probe.unlink(missing_ok=True)
    return None if seen.ok else seen.message
