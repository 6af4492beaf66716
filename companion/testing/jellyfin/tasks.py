"""Scheduled tasks as TaskInfo: the library scan and two idle neighbours."""

from __future__ import annotations

from typing import Any

from .state import SCAN_TASK_ID, State


def scan_task_info(state: State) -> dict[str, Any]:
    """TaskInfo of the RefreshLibrary task."""
    scan = state.scan
    d: dict[str, Any] = {"Name": "Scan Media Library", "State": scan.state}
    if scan.progress is not None:
        d["CurrentProgressPercentage"] = scan.progress
    d["Id"] = SCAN_TASK_ID
    if scan.last_result is not None:
        d["LastExecutionResult"] = scan.last_result
    d["Triggers"] = [{"Type": "IntervalTrigger", "IntervalTicks": 432000000000}]
    d["Description"] = "Scans your media library for new files and refreshes metadata."
    d["Category"] = "Library"
    d["IsHidden"] = False
    d["Key"] = "RefreshLibrary"
    return d


def all_tasks(state: State) -> list[dict[str, Any]]:
    """All (non-hidden) tasks sorted by name."""
    others = [
        (
            "Clean Cache Directory",
            "DeleteCacheFiles",
            "Maintenance",
            "4f9c8b1a0e2d4c6b8a7f5e3d2c1b0a99",
        ),
        (
            "Extract Chapter Images",
            "RefreshChapterImages",
            "Library",
            "4e6637c832ed644d1af3370a2506e80a",
        ),
    ]
    out = [scan_task_info(state)]
    for name, key, cat, tid in others:
        out.append(
            {
                "Name": name,
                "State": "Idle",
                "Id": tid,
                "Triggers": [],
                "Description": name,
                "Category": cat,
                "IsHidden": False,
                "Key": key,
            }
        )
    return sorted(out, key=lambda t: str(t["Name"]))
