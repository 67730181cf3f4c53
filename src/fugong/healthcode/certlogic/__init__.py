"""CertLogic: the EU DCC business-rule language (a JsonLogic subset), evaluator and validator, spec 1.3.x."""

from fugong.healthcode.certlogic.evaluator import (
    CertLogicError,
    Expression,
    InvalidCertLogic,
    compile_expression,
    evaluate,
)
from fugong.healthcode.certlogic.extensions import DOMAIN_EXTENSIONS, Extension
from fugong.healthcode.certlogic.validator import Issue, validate
from fugong.healthcode.certlogic.values import DateTime, truthiness

__all__ = [
    "DOMAIN_EXTENSIONS",
    "CertLogicError",
    "DateTime",
    "Expression",
    "Extension",
    "InvalidCertLogic",
    "Issue",
    "compile_expression",
    "evaluate",
    "truthiness",
    "validate",
]
