"""samtykke (Danish for *consent*): a consent-state engine for cookies and similar
storage, from Python.

Load a site's policy, keep each visitor's consent as an immutable
``ConsentState``, ask what may be stored (``permits``), what must be deleted
(``deletion_plan``) and when to ask again (``prompt_due``); read and write the
consent cookie, and decode many cookies at once into columns
(``Policy.decode_cookies``), and audit consent logs (``audit``,
``audit_lines``). ``samtykke.tcf`` and ``samtykke.gpp`` decode the IAB's TC
and GPP strings. Every rule runs in the Rust core; times are
timezone-aware ``datetime``s.
"""

from . import gpp, tcf
from ._columns import CookieColumns
from ._native import (
    AuditReport,
    ConsentState,
    CookieError,
    Decision,
    DeletionPlan,
    Dropped,
    Filtered,
    FormError,
    GppError,
    LintWarning,
    LogError,
    Policy,
    PolicyError,
    SamtykkeError,
    TcfError,
    Undeletable,
    __version__,
    audit,
    audit_lines,
    gpc_signal,
    request_lang,
    same_origin,
    site_keys,
)

__all__ = [
    "AuditReport",
    "ConsentState",
    "CookieColumns",
    "CookieError",
    "Decision",
    "DeletionPlan",
    "Dropped",
    "Filtered",
    "FormError",
    "GppError",
    "LintWarning",
    "LogError",
    "Policy",
    "PolicyError",
    "SamtykkeError",
    "TcfError",
    "Undeletable",
    "__version__",
    "audit",
    "audit_lines",
    "gpc_signal",
    "gpp",
    "request_lang",
    "same_origin",
    "site_keys",
    "tcf",
]
