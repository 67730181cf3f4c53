"""Keyed pseudonyms (假名化): ID numbers, credit codes and phones become HMAC-SHA256 keys before the lake.

The same number always gives the same key under one install's ``pseudonym`` key, so feeds join on people and
enterprises without the lake ever holding the numbers. Apps that hold a number (a citizen signing in, an
enterprise declaring) compute its key with :func:`person_key` or :func:`enterprise_key` to find its rows.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from fugong.errors import InvalidInput
from fugong.settings import Settings, get_settings

KEY_HEX_LENGTH = 32
_PHONE = re.compile(r"1[3-9]\d{9}")


class InvalidIdentifier(InvalidInput):
    """An ID number, credit code or phone that fails its format or check character."""

    code = "invalid_identifier"

    def __init__(self, detail: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.reason = reason


def _digest(key: bytes, domain: str, value: str) -> str:
    return hmac.new(key, f"{domain}:{value}".encode(), hashlib.sha256).hexdigest()[:KEY_HEX_LENGTH]


def canonical_id_number(text: str) -> str:
    """A resident ID number checked (GB 11643: format, check character, birth date and place) and compacted.

    The checks are python-stdnum's (``stdnum.cn.ric``), in its order; the birth date and the birth place
    (a register look-up, the slow part) are checked once per distinct date and per place and year.
    """
    number = "".join(text.split()).upper()
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise InvalidIdentifier(f"{text!r} is not an 18-character ID number", reason="invalid_format")
    if number[17] != ric.calc_check_digit(number):
        raise InvalidIdentifier(f"ID number {text!r} has a wrong check character", reason="bad_check_character")
    if not _birth_date_valid(number[6:14]) or not _birth_place_valid(number[:10]):
        raise InvalidIdentifier(f"{text!r} has no valid birth date or place", reason="invalid_format")
    return number


@lru_cache(maxsize=1 << 16)
def _birth_date_valid(digits: str) -> bool:
    try:
        ric.get_birth_date(f"000000{digits}0000")
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=1 << 16)
def _birth_place_valid(place_and_year: str) -> bool:
    try:
        ric.get_birth_place(f"{place_and_year}01010000")
    except ValidationError:
        return False
    return True


def canonical_credit_code(text: str) -> str:
    """A unified social credit code checked (GB 32100: format and check character) and compacted."""
    try:
        return str(uscc.validate(text))
    except InvalidChecksum:
        raise InvalidIdentifier(
            f"credit code {text!r} has a wrong check character", reason="bad_check_character"
        ) from None
    except ValidationError:
        raise InvalidIdentifier(f"{text!r} is not an 18-character credit code", reason="invalid_format") from None


def canonical_phone(text: str) -> str:
    """A mainland mobile number without spaces, dashes or a +86 prefix."""
    digits = re.sub(r"[\s\-()]", "", text)
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not _PHONE.fullmatch(digits):
        raise InvalidIdentifier(f"{text!r} is not an 11-digit mobile number", reason="invalid_format")
    return digits


class Pseudonymiser:
    """Turns identifiers into keys under one secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def person(self, id_number: str) -> str:
        """The person key of a resident ID number."""
        return _digest(self._key, "person", canonical_id_number(id_number))

    def enterprise(self, credit_code: str) -> str:
        """The enterprise key of a unified social credit code."""
        return _digest(self._key, "enterprise", canonical_credit_code(credit_code))

    def phone(self, number: str) -> str:
        """The phone key of a mobile number."""
        return _digest(self._key, "phone", canonical_phone(number))


def pseudonymiser(settings: Settings | None = None) -> Pseudonymiser:
    """The pseudonymiser of this install (key ``pseudonym`` from settings)."""
    return Pseudonymiser((settings or get_settings()).key("pseudonym"))


def person_key(id_number: str, settings: Settings | None = None) -> str:
    """The lake's key for the person with this ID number."""
    return pseudonymiser(settings).person(id_number)


def enterprise_key(credit_code: str, settings: Settings | None = None) -> str:
    """The lake's key for the enterprise with this credit code."""
    return pseudonymiser(settings).enterprise(credit_code)
