"""The package's one error type for bad user input.

Every problem a user can fix (a missing column, a NaN in the target, a flag value out of range, an
unreadable or tampered file) is raised as `NHITSInputError` with a one-line message that names the
column, series, file or flag and, where there is one, the fix. It subclasses `ValueError`, so code
that already catches `ValueError` keeps working, and the CLI turns it into one line on stderr and
exit code 2.
"""

# The longest message an error keeps: lists of columns or ids are summarised where they are
# written, and this cap is the safety net for anything else taken from a user's file (a column
# name of a megabyte, a 100,000-column header) so that the one line stays readable.
MAX_MESSAGE = 500


class NHITSInputError(ValueError):
    """Bad user input, described in one line (column, series, row, file or flag named)."""

    def __init__(self, message):
        # One line, always: the CLI prints `str(error)` as is.
        line = " ".join(str(message).split())
        if len(line) > MAX_MESSAGE:
            line = line[: MAX_MESSAGE - 1].rstrip() + "…"
        super().__init__(line)
