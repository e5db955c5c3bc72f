"""The one exception the commands raise, and how it is reported: one line."""

import sys

PROG = "skmlp"


class CommandError(Exception):
    """A problem to report in one line on stderr, with exit status ``status``.

    Parameters
    ----------
    message : str
        What went wrong, naming the file or the option concerned.
    status : int, default=1
        The exit status: 1 for a runtime problem (a missing or unreadable
        file, bad data), 2 for a bad command line.
    """

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def report_error(message):
    """Print ``skmlp: error: message`` on stderr, on one line.

    Messages may quote a file's content (a type name, a parser's complaint):
    line breaks become spaces, so that the report stays one line.
    """
    one_line = " ".join(str(message).splitlines())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
