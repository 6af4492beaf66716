"""Push one companion playlist to its Jellyfin twin, in place, as the playlist's owner."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from companion.accounts.models import User
from companion.library.models import Favorite
from companion.media import UserCredential
from companion.playlists.models import Playlist
from companion.playlists.plan import Op, plan, representable
from companion.providers import Providers, ProviderUnavailable
from companion.providers.playlists import (
    PlaylistRules,
    RemoteEntry,
    RemotePlaylist,
    RemotePlaylistGone,
    RemotePlaylists,
)

_LOGGER = logging.getLogger(__name__)

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
MARKER_PREFIX = "[companion:"
# Reads and edits of one push; each round re-reads only after adds or a replace.
_MAX_ROUNDS = 4

CredentialFor = Callable[[User], Awaitable[UserCredential]]


def marked_name(name: str, marker: str) -> str:
    """The name a twin is created with, so a push restarted after a crash can find it."""
    return f"{name} {MARKER_PREFIX}{marker}]"


async def desired_items(pl: Playlist, owner: User) -> list[str]:
    """The item ids the twin must hold: the playlist's, or the owner's favorite tracks."""
    if pl.kind != "favorites":
        return list(pl.item_ids)
    rows = (
        await Favorite.filter(user_id=owner.jellyfin_id or "", item_type="Audio")
        .order_by("favorited_at", "id")
        .values_list("item_id", flat=True)
    )
    return [str(r) for r in rows]


@dataclass(slots=True)
class PushResult:
    """What a finished push left in Jellyfin."""

    version: int
    jellyfin_id: str | None
    items: list[str]
    name: str
    drift_corrected: bool
    deleted: bool = False


class PlaylistPusher:
    """Reconciles a Jellyfin twin to the companion's playlist with the fewest edits."""

    def __init__(self, providers: Providers, credential_for: CredentialFor) -> None:
        self._providers = providers
        self._credential_for = credential_for

    def _remote(self) -> RemotePlaylists:
        remote = self._providers.playlists
        if remote is None:
            raise ProviderUnavailable(UNREACHABLE)
        return remote

    async def push(self, pl: Playlist) -> PushResult:
        """Apply the playlist's current version; raises ProviderUnavailable and friends."""
        remote = self._remote()
        owner: User = pl.owner
        cred = await self._credential_for(owner)
        if pl.deleted:
            return await self._delete(remote, cred, pl)
        rules = await remote.rules(cred)
        target = representable(await desired_items(pl, owner), rules)
        jid = pl.jellyfin_id
        found_marked = False
        if jid is None and pl.create_marker:
            # An earlier attempt may have created the twin and died before recording its id.
            jid = await self._claim_marked(remote, cred, pl, pl.create_marker)
            found_marked = jid is not None
        fresh = jid is None
        if jid is None:
            jid = await self._create(remote, cred, pl, target)
        try:
            entries = await remote.entries(cred, jid)
        except RemotePlaylistGone:
            # Deleted inside Jellyfin: the companion is the truth, so the twin comes back.
            _LOGGER.info("Jellyfin twin %s of playlist %s is gone; recreating it", jid, pl.id)
            await Playlist.filter(id=pl.id).update(jellyfin_id=None, create_marker=None)
            pl.jellyfin_id, pl.create_marker = None, None
            fresh = True
            jid = await self._create(remote, cred, pl, target)
            entries = await remote.entries(cred, jid)
        drift = (
            not fresh
            and pl.synced_version > 0
            and [e.item_id for e in entries] != list(pl.pushed_items)
        )
        if drift:
            _LOGGER.info("Playlist %s was edited in Jellyfin; the companion's version wins", pl.id)
        # pushed_name is the name the twin was last known to carry: the pushed one, or the one
        # a drift check found after a rename inside Jellyfin (which the companion's name undoes).
        rename = fresh or found_marked or pl.pushed_name != pl.name
        final, renamed = await self._reconcile(remote, cred, jid, entries, target, rules, pl.name)
        if rename and not renamed:
            await remote.update(cred, jid, name=pl.name)
        return PushResult(pl.version, jid, final, pl.name, drift)

    async def _create(
        self, remote: RemotePlaylists, cred: UserCredential, pl: Playlist, target: list[str]
    ) -> str:
        # Record the intent (the marker) before creating, so a crash in between cannot lead to
        # a second twin: the next attempt finds the marked one and adopts it. A retry reuses
        # the marker, so even a create still in flight when we retried is found and tidied.
        marker = pl.create_marker or uuid.uuid4().hex[:20]
        if pl.create_marker != marker:
            await Playlist.filter(id=pl.id).update(create_marker=marker)
            pl.create_marker = marker
        jid = await remote.create(cred, marked_name(pl.name, marker), target)
        await Playlist.filter(id=pl.id).update(jellyfin_id=jid)
        pl.jellyfin_id = jid
        return jid

    async def _find_marked(
        self, remote: RemotePlaylists, cred: UserCredential, marker: str
    ) -> list[str]:
        tag = f"{MARKER_PREFIX}{marker}]"
        return [found.id for found in await remote.playlists(cred) if found.name.endswith(tag)]

    async def _claim_marked(
        self, remote: RemotePlaylists, cred: UserCredential, pl: Playlist, marker: str
    ) -> str | None:
        """Adopt the twin an interrupted create left behind; delete any second one."""
        found = await self._find_marked(remote, cred, marker)
        if not found:
            return None
        jid = found[0]
        await Playlist.filter(id=pl.id).update(jellyfin_id=jid)
        pl.jellyfin_id = jid
        for extra in found[1:]:
            _LOGGER.info("Deleting a second Jellyfin twin %s of playlist %s", extra, pl.id)
            with contextlib.suppress(RemotePlaylistGone):
                await remote.delete(cred, extra)
        return jid

    async def sweep(
        self, owner: User, playlists: list[Playlist], listed: list[RemotePlaylist] | None = None
    ) -> int:
        """Delete stray twins: marked with one of these playlists' markers but not their twin.

        `listed` is the owner's playlists when the caller has just read them (saves a call);
        an older listing is safe: a marker names one playlist, so any other twin carrying it
        is a stray whenever it was listed.
        """
        markers = {pl.create_marker: pl.jellyfin_id for pl in playlists if pl.create_marker}
        if not markers:
            return 0
        remote = self._remote()
        cred = await self._credential_for(owner)
        swept = 0
        for found in listed if listed is not None else await remote.playlists(cred):
            for marker, jid in markers.items():
                if found.name.endswith(f"{MARKER_PREFIX}{marker}]") and found.id != jid:
                    with contextlib.suppress(RemotePlaylistGone):
                        await remote.delete(cred, found.id)
                    swept += 1
        return swept

    async def _reconcile(
        self,
        remote: RemotePlaylists,
        cred: UserCredential,
        jid: str,
        entries: list[RemoteEntry],
        target: list[str],
        rules: PlaylistRules,
        name: str,
    ) -> tuple[list[str], bool]:
        """Edit until Jellyfin holds target; items Jellyfin refuses (gone) are left out."""
        refused: set[str] = set()
        renamed = False
        goal = target
        for _ in range(_MAX_ROUNDS):
            goal = [i for i in target if i not in refused]
            step = plan(entries, goal, rules)
            if not step.ops:
                return goal, renamed
            added: set[str] = set()
            for op in step.ops:
                renamed = await self._apply(remote, cred, jid, op, name, renamed) or renamed
                if op.kind in ("add", "replace"):
                    added.update(op.item_ids)
            if not step.reread:
                return goal, renamed
            entries = await remote.entries(cred, jid)
            got = [e.item_id for e in entries]
            if got == goal:
                return goal, renamed
            present = set(got)
            refused |= {i for i in added if i not in present}
        # Rounds of edits left the list wrong (a server misplacing moves): rewrite it whole.
        goal = [i for i in target if i not in refused]
        _LOGGER.warning("Playlist %s still differs after %d rounds; replacing it", jid, _MAX_ROUNDS)
        renamed = await self._apply(
            remote, cred, jid, Op("replace", item_ids=tuple(goal)), name, renamed
        )
        got = [e.item_id for e in await remote.entries(cred, jid)]
        present = set(got)
        if got != [i for i in goal if i in present]:
            raise ProviderUnavailable(f"Jellyfin did not keep the order of playlist {jid}.")
        return got, renamed

    async def _apply(
        self,
        remote: RemotePlaylists,
        cred: UserCredential,
        jid: str,
        op: Op,
        name: str,
        renamed: bool,
    ) -> bool:
        """Run one edit; a replace also carries the rename. Returns whether it renamed."""
        if op.kind == "replace":
            await remote.update(cred, jid, name=None if renamed else name, item_ids=op.item_ids)
            return True
        if op.kind == "remove":
            await remote.remove(cred, jid, op.entry_ids)
        elif op.kind == "add":
            await remote.add(cred, jid, op.item_ids, op.position)
        elif op.kind == "move":
            await remote.move(cred, jid, op.entry_ids[0], op.position or 0)
        return False

    async def _delete(
        self, remote: RemotePlaylists, cred: UserCredential, pl: Playlist
    ) -> PushResult:
        doomed = [pl.jellyfin_id] if pl.jellyfin_id else []
        if pl.create_marker:
            doomed += await self._find_marked(remote, cred, pl.create_marker)
        for jid in dict.fromkeys(doomed):
            with contextlib.suppress(RemotePlaylistGone):
                await remote.delete(cred, jid)
        return PushResult(pl.version, None, [], pl.name, False, deleted=True)

    async def remote_entries(self, owner: User, jellyfin_id: str) -> list[str]:
        """The item ids a twin holds now (for drift checks)."""
        remote = self._remote()
        cred = await self._credential_for(owner)
        return [e.item_id for e in await remote.entries(cred, jellyfin_id)]

    async def remote_playlists(self, owner: User) -> list[RemotePlaylist]:
        """The playlists the owner sees in Jellyfin, with their names (for drift checks)."""
        remote = self._remote()
        cred = await self._credential_for(owner)
        return await remote.playlists(cred)
