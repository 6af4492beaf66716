"""Import rows: their JSON shape, their query, applying a match, and where a filled row goes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from companion.imports.matching import MatchResult, TrackQuery
from companion.imports.matching.types import Keys
from companion.imports.models import ImportJob, ImportRow
from companion.media import make_ref
from companion.providers.sources import SourceTrack

# Rows that wait for the library: not matched yet, and no person said to skip them.
WAITING_STATES = ("unmatched", "ambiguous")
STATES = ("matched", "ambiguous", "unmatched", "skipped")


def new_row(job: ImportJob, index: int, track: SourceTrack) -> ImportRow:
    """An unsaved row for a source track, with its lookup keys."""
    keys = Keys(track.title, track.artists, track.album)
    return ImportRow(
        job=job,
        index=index,
        title=track.title[:512],
        artists=[a[:512] for a in track.artists[:20]],
        album=(track.album or "")[:512] or None,
        duration_s=track.duration_s,
        isrc=(track.isrc or "").upper()[:32] or None,
        mbid=(track.mbid or "").lower()[:36] or None,
        path=track.path,
        source_id=(track.source_id or "")[:128] or None,
        key_title=keys.title_key.core[:512],
        key_artist=keys.primary_artist[:512],
    )


def query_of(row: ImportRow) -> TrackQuery:
    """What the matcher is asked for a row."""
    return TrackQuery(
        title=row.title,
        artists=tuple(row.artists),
        album=row.album,
        duration_s=row.duration_s,
        isrc=row.isrc,
        mbid=row.mbid,
        path=row.path,
    )


def apply_result(row: ImportRow, result: MatchResult) -> None:
    """Copy a match outcome onto a row (not saved)."""
    row.state = result.state
    row.item_id = result.item_id
    row.confidence = result.confidence
    row.method = result.method
    row.reason = result.reason
    row.candidates = [c.as_dict() for c in result.candidates]


RESULT_FIELDS = ("state", "item_id", "confidence", "method", "reason", "candidates")


def row_dto(row: ImportRow) -> dict[str, Any]:
    """The API shape of a row."""
    return {
        "index": row.index,
        "title": row.title,
        "artists": list(row.artists),
        "album": row.album,
        "duration_s": row.duration_s,
        "isrc": row.isrc,
        "mbid": row.mbid,
        "path": row.path,
        "source_id": row.source_id,
        "state": row.state,
        "ref": make_ref(row.item_id) if row.item_id else None,
        "confidence": round(row.confidence, 3) if row.state == "matched" else None,
        "method": row.method,
        "reason": row.reason,
        "candidates": row.candidates if row.state == "ambiguous" else [],
        "picked": row.picked,
        "filled": row.filled,
    }


def counts(rows: Iterable[ImportRow]) -> dict[str, int]:
    """How many rows are in each state, and how many wait."""
    out = dict.fromkeys(STATES, 0)
    for row in rows:
        out[row.state] = out.get(row.state, 0) + 1
    out["waiting"] = out["ambiguous"] + out["unmatched"]
    return out


def job_dto(job: ImportJob, rows: Sequence[ImportRow] | None = None) -> dict[str, Any]:
    """The API shape of an import (rows included when given)."""
    out: dict[str, Any] = {
        "id": job.id,
        "name": job.name,
        "source": job.source,
        "source_url": job.source_url,
        "notice": job.notice,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "playlist_id": job.playlist_id,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "committed_at": job.committed_at.isoformat() if job.committed_at else None,
    }
    if rows is not None:
        out["counts"] = counts(rows)
        out["rows"] = [row_dto(r) for r in rows]
    return out


def insert_in_order(
    items: list[str], placed: Sequence[tuple[int, str]], new: Sequence[tuple[int, str]]
) -> list[str]:
    """The playlist's items with the new rows' tracks inserted where their rows belong.

    `placed` are (row index, item id) of rows already in the playlist, `new` those to add.
    The placed rows are found in the current items in order (a person may have removed or
    moved some since); each new track goes right after the nearest earlier placed row.
    """
    anchors: list[tuple[int, int]] = []  # (row index, position in items)
    at = 0
    for index, item_id in sorted(placed):
        try:
            found = items.index(item_id, at)
        except ValueError:
            continue
        anchors.append((index, found))
        at = found + 1
    keyed: list[tuple[tuple[int, int, int], str]] = [
        ((pos, 0, 0), item) for pos, item in enumerate(items)
    ]
    for index, item_id in new:
        before = [pos for row_index, pos in anchors if row_index < index]
        anchor = before[-1] if before else -1
        keyed.append(((anchor, 1, index), item_id))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]
