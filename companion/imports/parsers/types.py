"""What a parser gives: the playlist's name, its rows, and what the source could not say."""

from __future__ import annotations

from dataclasses import dataclass, field

from companion.errors import CompanionError, InvalidInput
from companion.providers.sources import SourcePlaylist, SourceTrack

__all__ = ["SourcePlaylist", "SourceTrack", "UnknownColumns", "bad_file"]

# More rows than this is not a playlist (Kima caps M3U at 10k entries too).
MAX_ROWS = 10_000


@dataclass
class UnknownColumns(CompanionError):
    """A CSV whose title/artist columns could not be recognised: the mapping step."""

    headers: list[str] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(
            "The CSV has no column we recognise as the title or the artist. "
            "Choose which columns hold them.",
            code="csv_columns_unknown",
            status=422,
            details={
                "headers": self.headers,
                "sample": self.sample,
                "fields": ["title", "artist", "album", "duration", "isrc"],
            },
        )


def bad_file(message: str, code: str = "import_unreadable") -> InvalidInput:
    """A 400 for a file that cannot be read as a playlist."""
    return InvalidInput(message, code=code)
