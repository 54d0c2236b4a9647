"""The GS1 Application Identifier table, taken from `biip` (which ships GS1's own data).

biip's `GS1ApplicationIdentifier` records carry, per AI, the format string
(``N2+X..20``), whether a separator must follow (the GS1 "predefined length" table)
and a regular expression for the whole element. We add the two numbers our splitter
needs: the data length of predefined-length AIs and the maximum data length.

``_GS1_APPLICATION_IDENTIFIERS`` is private to biip, so pyproject.toml pins biip's minor
version: upgrading it is a deliberate step, checked by the scanner tests.
"""

import re
from dataclasses import dataclass

from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS


@dataclass(frozen=True)
class AiSpec:
    """One Application Identifier.

    >>> AIS["17"].fixed_length, AIS["21"].fixed_length, AIS["21"].max_length
    (6, None, 20)
    >>> AIS["21"].data_format
    'X..20'
    """

    ai: str
    title: str
    description: str
    data_format: str
    fixed_length: int | None  # set when no separator follows (GS1 predefined-length AIs)
    max_length: int
    pattern: re.Pattern[str]  # matches the data alone (without the AI)
    is_date: bool  # YYMMDD dates: 11, 12, 13, 15, 16, 17
    check_digit: str | None  # key name when the value ends in a mod-10 check digit


def _spec(ai: str) -> AiSpec:
    record = _GS1_APPLICATION_IDENTIFIERS[ai]
    data_format = record.format.split("+", 1)[1]
    max_length = sum(int(n) for n in re.findall(r"\d+", data_format))
    return AiSpec(
        ai=ai,
        title=record.data_title,
        description=record.description,
        data_format=data_format,
        fixed_length=None if record.separator_required else max_length,
        max_length=max_length,
        pattern=re.compile(record.pattern[1 + len(ai) :]),
        is_date=ai in ("11", "12", "13", "15", "16", "17"),
        check_digit={"00": "SSCC", "01": "GTIN", "02": "GTIN"}.get(
            ai, "GLN" if ai in ("410", "411", "412", "413", "414", "415", "416", "417") else None
        ),
    )


#: Every AI known to the installed biip, by code ("01", "21", "3103", ...).
AIS: dict[str, AiSpec] = {ai: _spec(ai) for ai in _GS1_APPLICATION_IDENTIFIERS}


def lookup(text: str, start: int) -> AiSpec | None:
    """The AI beginning at ``text[start]`` (AIs are prefix-free: 2, 3 or 4 digits).

    >>> lookup("xx0100614141111114", 2).ai
    '01'
    >>> lookup("7003", 0).ai, lookup("9", 0)
    ('7003', None)
    """
    for width in (2, 3, 4):
        spec = AIS.get(text[start : start + width])
        if spec is not None:
            return spec
    return None
