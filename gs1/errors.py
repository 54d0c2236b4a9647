"""The one error type raised by `gs1` and `scanners` for bad GS1 data."""


class GS1Error(ValueError):
    """A GS1 key, URI or element string that is not valid.

    The message quotes the input and, where one character is to blame, names its
    1-based ``position`` (also kept as an attribute, with the offending ``value``).

    >>> err = GS1Error("bad", value="x", position=1)
    >>> (str(err), err.value, err.position)
    ('bad', 'x', 1)
    """

    def __init__(self, message: str, *, value: str | None = None, position: int | None = None):
        super().__init__(message)
        self.value = value
        self.position = position
