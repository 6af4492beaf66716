"""The API shapes of flows, weeks and tracks."""

from __future__ import annotations

from typing import Any

from companion.flows.models import Flow, FlowRun, FlowTrack
from companion.flows.playlist import week_title
from companion.flows.schedule import DAYS
from companion.media import make_ref

# What a person sees for each track state.
STATE_LABELS = {
    "waiting": "Waiting to download",
    "fetching": "Downloading",
    "placed": "Waiting for Jellyfin",
    "indexed": "Playable",
    "failed": "Failed",
    "replaced": "Replaced",
    "kept": "Kept in your library",
    "promoted": "Moving into your library",
    "removed": "Removed",
    "carried": "Back next week",
}


def flow_dict(flow: Flow) -> dict[str, Any]:
    """A flow's settings."""
    sources = flow.sources or {}
    return {
        "id": flow.id,
        "name": flow.name,
        "size_tracks": flow.size_tracks,
        "size_gb": flow.size_gb,
        "day": DAYS[flow.day],
        "time": flow.time,
        "one_per_artist": flow.one_per_artist,
        "blocklist": list(flow.blocklist),
        "sources": dict(sources.get("weights") or {}),
        "listenbrainz": dict(sources.get("listenbrainz") or {}),
        "keep_plays": flow.keep_plays,
        "enabled": flow.enabled,
        "playlist_id": flow.playlist_id,
        "kept_playlist_id": flow.kept_playlist_id,
        "next_run_at": flow.next_run_at.isoformat() if flow.next_run_at else None,
    }


def track_dict(track: FlowTrack) -> dict[str, Any]:
    """One track of a week, with what can be done to it."""
    active = track.state in ("waiting", "fetching", "placed", "indexed")
    return {
        "id": track.id,
        "position": track.position,
        "role": track.role,
        "source": track.source,
        "origin": track.origin,
        "why": track.why,
        "title": track.title,
        "artists": list(track.artists),
        "album": track.album,
        "kind": track.kind,
        "state": track.state,
        "label": STATE_LABELS.get(track.state, track.state),
        "percent": track.percent,
        "reason": track.reason,
        "decision": track.decision,
        # Only an indexed track is playable: nothing else gets a ref.
        "ref": make_ref(track.item_id) if track.state == "indexed" and track.item_id else None,
        "kept_ref": make_ref(track.kept_item_id) if track.kept_item_id else None,
        "actions": (
            ["keep", "promote", "remove"]
            if track.state == "indexed"
            else (["remove"] if active else [])
        ),
    }


def run_dict(run: FlowRun, tracks: list[FlowTrack] | None = None) -> dict[str, Any]:
    """A week (with its tracks when given)."""
    out: dict[str, Any] = {
        "id": run.id,
        "week": run.week,
        "title": week_title(run.week),
        "state": run.state,
        "notices": list(run.notices),
        "counts": dict(run.counts),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "ready_at": run.ready_at.isoformat() if run.ready_at else None,
        "reset_at": run.reset_at.isoformat() if run.reset_at else None,
    }
    if tracks is not None:
        picks = [t for t in tracks if t.role == "pick"]
        out["tracks"] = [track_dict(t) for t in picks]
        out["reserve"] = sum(1 for t in tracks if t.role == "reserve" and t.state == "waiting")
        # Failed downloads whose place a reserve track took.
        out["replaced"] = [
            track_dict(t)
            for t in tracks
            if t.role == "reserve" and t.state in ("failed", "replaced")
        ]
        out["progress"] = {
            "playable": sum(1 for t in picks if t.state == "indexed"),
            "downloading": sum(1 for t in picks if t.state in ("waiting", "fetching", "placed")),
            "failed": sum(1 for t in picks if t.state == "failed"),
            "total": len(picks),
        }
    return out
