"""GS1 mod-10 check digits (GS1 General Specifications section 7.9)."""


def check_digit(digits: str) -> str:
    """Return the GS1 mod-10 check digit for ``digits`` (the key without its check digit).

    >>> check_digit("0061414111111")
    '4'
    >>> check_digit("04012345000000011")
    '5'
    """
    if not (digits.isdigit() and digits.isascii()):
        raise ValueError(f"check digit needs digits only, got {digits!r}")
    total = 3 * sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2]))
    return str(-total % 10)


def is_valid(key: str) -> bool:
    """True when the last digit of ``key`` is its correct GS1 check digit.

    >>> is_valid("00614141111114")
    True
    >>> is_valid("00614141111115")
    False
    """
    return len(key) >= 2 and key.isdigit() and check_digit(key[:-1]) == key[-1]
