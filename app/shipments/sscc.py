"""SSCC-18 keys from a GS1 Company Prefix, an extension digit and a serial reference (pure).

An SSCC is the extension digit, the company prefix, the serial reference padded to fill 16
digits, and the mod-10 check digit (GS1 General Specifications 2.2.1).
"""

from __future__ import annotations

from gs1.checkdigit import check_digit
from gs1.errors import GS1Error


def capacity(prefix: str) -> int:
    """How many serial references a company prefix leaves room for (1 .. capacity - 1).

    >>> capacity("0370002")
    1000000000
    """
    return 10 ** (16 - len(prefix))


def sscc(prefix: str, extension: str, serial: int) -> str:
    """The SSCC-18 of ``serial`` under ``prefix`` with ``extension``.

    >>> sscc("0370002", "0", 1)
    '003700020000000019'
    >>> sscc("0370002", "0", 10**9)
    Traceback (most recent call last):
    ...
    gs1.errors.GS1Error: serial reference 1000000000: expected at most 9 digits under company prefix 0370002, got 10 (the prefix's SSCCs are used up)
    """
    if not (extension.isdigit() and len(extension) == 1):
        raise GS1Error(f"extension digit {extension!r}: expected one digit 0-9", value=extension)
    room = 16 - len(prefix)
    if not 0 <= serial < capacity(prefix):
        raise GS1Error(f"serial reference {serial}: expected at most {room} digits under company "
                       f"prefix {prefix}, got {len(str(serial))} (the prefix's SSCCs are used up)",
                       value=str(serial))
    body = f"{extension}{prefix}{serial:0{room}d}"
    return body + check_digit(body)
