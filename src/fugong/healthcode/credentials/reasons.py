"""Why a code was accepted or refused: one named reason per outcome, in plain Chinese and English."""

from __future__ import annotations

from enum import Enum

from fugong.errors import InvalidInput


class Reason(Enum):
    """The outcome of checking a code; the value is the stable reason code shown to systems."""

    ok = ("ok", "有效", "valid code")
    input_too_large = ("input_too_large", "内容过长，不是健康码", "input too long to be a health code")
    wrong_prefix = ("wrong_prefix", "不是可识别的健康码", "not a recognised health code (wrong prefix)")
    bad_base45 = ("bad_base45", "码的内容已损坏", "code text is damaged (not valid base45)")
    bad_compression = ("bad_compression", "码的内容已损坏", "code content is damaged (cannot be decompressed)")
    too_large_decompressed = (
        "too_large_decompressed",
        "码的内容异常",
        "code content grows too large when decompressed",
    )
    bad_structure = ("bad_structure", "不是有效的签名凭证", "not a signed credential (bad COSE structure)")
    bad_claims = ("bad_claims", "码的内容不完整", "credential content is missing or malformed")
    unsupported_algorithm = ("unsupported_algorithm", "签名方式不受支持", "signature algorithm not supported")
    unknown_key = ("unknown_key", "签发机构不被信任", "signing key is not in the trust list")
    key_revoked = ("key_revoked", "签发密钥已吊销", "signing key has been revoked")
    key_retired = ("key_retired", "签发密钥已停用", "signing key has been retired")
    issuer_mismatch = ("issuer_mismatch", "签发地区与密钥不符", "issuer does not match the signing key")
    bad_signature = ("bad_signature", "签名无效，可能是伪造或篡改的码", "signature invalid: forged or altered code")
    expired = ("expired", "码已过期，请刷新", "code has expired; refresh it")
    not_yet_valid = ("not_yet_valid", "码尚未生效，请检查设备时间", "code is not yet valid; check the device clock")
    lifetime_too_long = ("lifetime_too_long", "码的有效期过长", "validity period is longer than allowed")
    code_revoked = ("code_revoked", "此码已作废", "this code has been revoked")
    superseded = ("superseded", "健康码颜色已变化，此码已失效，请刷新", "superseded by a newer code (colour changed)")
    trust_list_expired = ("trust_list_expired", "信任列表已过期，请同步", "the gate's trust list has expired; sync it")

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        self.zh = zh
        self.en = en


class CredentialError(InvalidInput):
    """A code, key or list that cannot be used; ``reason`` says which check refused it."""

    code = "credential_invalid"

    def __init__(self, reason: Reason, detail: str | None = None, *, field: str | None = None) -> None:
        super().__init__(f"{reason.code}: {detail or reason.en}", field=field)
        self.reason = reason
        self.explanation = detail or reason.en
