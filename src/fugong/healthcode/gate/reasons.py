"""What the guard says aloud: one short sentence per outcome of a scan, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass

from fugong.healthcode.credentials.reasons import Reason

FEVER_TENTHS = 373  # 37.3 °C and above is a fever (发热)


@dataclass(frozen=True, slots=True)
class Said:
    """An outcome: its stable code and the sentence for the guard, in both languages."""

    code: str
    zh: str
    en: str

    def text(self, locale: str) -> str:
        """The sentence in ``locale`` (``en``, otherwise Chinese)."""
        return self.en if locale == "en" else self.zh


ADMITTED = Said("admitted", "绿码，体温正常，请通行", "Green code, normal temperature: please go in")
YELLOW = Said("yellow_code", "黄码，不能通行", "Yellow code: no entry")
RED = Said("red_code", "红码，不能通行，请联系社区", "Red code: no entry; contact your community")
UNKNOWN_PERSON = Said("unknown_person", "查不到此人的健康码，请先申领", "No health code for this person: apply first")
NO_COLOUR = Said("no_colour", "健康码尚未生成，不能通行", "No health code colour yet: no entry")
VALID = Said("ok", Reason.ok.zh, Reason.ok.en)


def fever(tenths: int) -> Said:
    """A temperature of 37.3 °C or more."""
    degrees = f"{tenths // 10}.{tenths % 10}"
    return Said(
        "fever",
        f"体温{degrees}度，偏高，不能通行，请复测",
        f"Temperature {degrees} °C is too high: no entry, measure again",
    )


def not_green(colour: str) -> Said:
    """A yellow or red code."""
    return RED if colour == "red" else YELLOW


def of_credential(reason: Reason) -> Said:
    """A refusal of the code itself (forged, expired, superseded …), as the credential layer names it."""
    return Said(reason.code, reason.zh, reason.en)
