"""The hub's named errors: what a department sees when its file or request cannot be taken."""

from __future__ import annotations

from fugong.errors import Conflict, InvalidInput, NotFound


class UnknownFeed(NotFound):
    """No contract has this feed name."""

    code = "unknown_feed"


class UnknownDataset(NotFound):
    """The lake has no dataset (or no such snapshot) under this name."""

    code = "unknown_dataset"


class FileTooLarge(InvalidInput):
    """A file is over the size limit; it was refused before being read."""

    code = "file_too_large"
    status = 413


class EmptyFile(InvalidInput):
    """A file with no bytes, or with a header and no rows."""

    code = "empty_file"


class UnreadableFile(InvalidInput):
    """A file that is not in a format or encoding the hub reads (corrupt XLSX, binary, unknown encoding)."""

    code = "unreadable_file"


class WrongFeed(InvalidInput):
    """A file whose columns do not fit the feed it was sent as (missing required columns, another feed's file)."""

    code = "wrong_feed"


class LakeBusy(Conflict):
    """Another ingest is writing the same dataset."""

    code = "lake_busy"


class InvalidOption(InvalidInput):
    """An option of a hub command out of its range (a vacuum keeping no version, a negative age)."""

    code = "invalid_option"
