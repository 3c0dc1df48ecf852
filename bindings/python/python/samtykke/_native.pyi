"""Stubs of samtykke's native module; import ``samtykke`` instead."""

import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, Optional, Protocol, TypedDict, Union, final

from ._columns import CookieColumns

class _ArrowStream(Protocol):
    """Anything that exports an Arrow C stream (a pyarrow or polars table, a
    record-batch reader, a DuckDB result, a polars or pandas Series)."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

class _ArrowArray(Protocol):
    """Anything that exports an Arrow C array (a pyarrow array or record batch)."""

    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> tuple[object, object]: ...

__all__ = [
    "AuditReport",
    "ConsentState",
    "CookieError",
    "Decision",
    "DeletionPlan",
    "Dropped",
    "Filtered",
    "FormError",
    "GppError",
    "GppSection",
    "GppString",
    "LintWarning",
    "LogError",
    "Policy",
    "PolicyError",
    "SamtykkeError",
    "TcString",
    "TcfError",
    "Undeletable",
    "UsNat",
    "UspV1",
    "__version__",
    "audit",
    "audit_lines",
    "gpc_signal",
    "gpp_decode",
    "request_lang",
    "same_origin",
    "site_keys",
    "tcf_decode",
    "tcf_decode_many",
]

__version__: str

_Control = Literal["button", "toggle", "link", "icon"]

_Kind = Literal["cookie", "local_storage", "session_storage", "indexed_db"]
_ConsentModeType = Literal[
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
]
_ConsentModeWord = Literal["granted", "denied"]

class SamtykkeError(ValueError):
    """Base of samtykke's own errors."""

    code: int
    path: Optional[str]
    message: str

class PolicyError(SamtykkeError): ...
class CookieError(SamtykkeError): ...
class LogError(SamtykkeError): ...

class TcfError(SamtykkeError):
    """A TC string that does not decode: ``path`` is the field, ``segment`` its
    segment (0 the core segment) and ``bit`` where the field starts."""

    segment: int
    bit: int

class FormError(SamtykkeError):
    """A post that asks for no decision (``Policy.decision_form``): ``path`` is
    the field at fault and ``status`` the HTTP status to answer (415: not a
    form; 413: over 16 KiB; else 400)."""

    status: int

class GppError(SamtykkeError):
    """A GPP string that does not decode: ``path`` is the field, ``section`` the
    section id (None for the header) and ``bit`` where the field starts."""

    section: Optional[int]
    bit: int

@final
class TcString:
    """A decoded IAB TCF v2.2/v2.3 TC string (SPEC §16)."""

    @property
    def version(self) -> int: ...
    @property
    def created(self) -> datetime: ...
    @property
    def last_updated(self) -> datetime: ...
    @property
    def cmp_id(self) -> int: ...
    @property
    def cmp_version(self) -> int: ...
    @property
    def consent_screen(self) -> int: ...
    @property
    def consent_language(self) -> str: ...
    @property
    def vendor_list_version(self) -> int: ...
    @property
    def tcf_policy_version(self) -> int: ...
    @property
    def is_service_specific(self) -> bool: ...
    @property
    def use_non_standard_stacks(self) -> bool: ...
    @property
    def special_feature_opt_ins(self) -> frozenset[int]: ...
    @property
    def purposes_consent(self) -> frozenset[int]: ...
    @property
    def purposes_li(self) -> frozenset[int]: ...
    @property
    def purpose_one_treatment(self) -> bool: ...
    @property
    def publisher_cc(self) -> str: ...
    @property
    def max_vendor_id(self) -> int: ...
    @property
    def vendor_consents(self) -> frozenset[int]: ...
    @property
    def vendor_li(self) -> frozenset[int]: ...
    @property
    def publisher_restrictions(self) -> list[tuple[int, int, frozenset[int]]]: ...
    @property
    def disclosed_vendors(self) -> frozenset[int]: ...
    @property
    def allowed_vendors(self) -> frozenset[int]: ...
    @property
    def pub_purposes_consent(self) -> frozenset[int]: ...
    @property
    def pub_purposes_li(self) -> frozenset[int]: ...
    @property
    def custom_purposes_consent(self) -> frozenset[int]: ...
    @property
    def custom_purposes_li(self) -> frozenset[int]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def raw(self) -> str: ...

@final
class UspV1:
    """GPP section 6, the US Privacy string."""

    @property
    def version(self) -> int: ...
    @property
    def notice(self) -> str: ...
    @property
    def opt_out_sale(self) -> str: ...
    @property
    def lspa_covered(self) -> str: ...
    @property
    def raw(self) -> str: ...

@final
class UsNat:
    """GPP section 7, the US national section; values are the 2-bit numbers."""

    @property
    def version(self) -> int: ...
    @property
    def sharing_notice(self) -> int: ...
    @property
    def sale_opt_out_notice(self) -> int: ...
    @property
    def sharing_opt_out_notice(self) -> int: ...
    @property
    def targeted_advertising_opt_out_notice(self) -> int: ...
    @property
    def sensitive_data_processing_opt_out_notice(self) -> int: ...
    @property
    def sensitive_data_limit_use_notice(self) -> int: ...
    @property
    def sale_opt_out(self) -> int: ...
    @property
    def sharing_opt_out(self) -> int: ...
    @property
    def targeted_advertising_opt_out(self) -> int: ...
    @property
    def sensitive_data_processing(self) -> list[int]: ...
    @property
    def known_child_sensitive_data_consents(self) -> list[int]: ...
    @property
    def personal_data_consents(self) -> int: ...
    @property
    def mspa_covered_transaction(self) -> int: ...
    @property
    def mspa_opt_out_option_mode(self) -> int: ...
    @property
    def mspa_service_provider_mode(self) -> int: ...
    @property
    def gpc(self) -> Optional[bool]: ...
    @property
    def raw(self) -> str: ...

@final
class GppSection:
    """A GPP section not decoded: its id and text."""

    @property
    def id(self) -> int: ...
    @property
    def raw(self) -> str: ...

@final
class GppString:
    """A decoded GPP string (SPEC §16)."""

    @property
    def section_ids(self) -> list[int]: ...
    @property
    def sections(self) -> dict[int, Union[TcString, UspV1, UsNat, GppSection]]: ...
    @property
    def raw(self) -> str: ...

def tcf_decode(value: Union[str, bytes]) -> TcString: ...
def tcf_decode_many(values: Iterable[Union[str, bytes]]) -> CookieColumns: ...
def gpp_decode(value: Union[str, bytes]) -> GppString: ...
def gpc_signal(value: Union[str, bytes]) -> bool: ...
def site_keys(file: bytes) -> list[bytes]: ...
def request_lang(
    query: Union[str, bytes], accept_language: Union[str, bytes]
) -> Optional[Literal["da", "en"]]: ...
def same_origin(
    host: Union[str, bytes],
    origin: Union[str, bytes, None] = None,
    sec_fetch_site: Union[str, bytes, None] = None,
) -> bool: ...

@final
class LintWarning:
    @property
    def id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def message(self) -> str: ...

@final
class Policy:
    @staticmethod
    def from_json(json: Union[str, bytes]) -> Policy: ...
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> Policy: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...
    def lint(self) -> list[LintWarning]: ...
    def declaration(
        self,
        lang: Literal["da", "en"] = "da",
        format: Literal["markdown", "html", "html-fragment"] = "html",
    ) -> str: ...
    def new_state(self, consent_id: Union[int, str, None] = None) -> ConsentState: ...
    def decode_cookie(self, value: str, key: Optional[bytes] = None) -> ConsentState: ...
    def decision_form(
        self,
        content_type: Union[str, bytes, None],
        body: Union[str, bytes],
        action_field: str = "action",
    ) -> _DecisionForm: ...
    def state_from_cookie_header(
        self,
        header: Union[str, bytes],
        keys: Union[bytes, Iterable[bytes], None] = None,
    ) -> Optional[tuple[ConsentState, int]]: ...
    def decode_cookies(
        self,
        values: Union[Iterable[Union[str, bytes, None]], _ArrowStream, _ArrowArray],
        key: Optional[bytes] = None,
        *,
        now: Optional[datetime] = None,
    ) -> CookieColumns: ...
    @property
    def site(self) -> str: ...
    @property
    def revision(self) -> int: ...
    @property
    def notice_version(self) -> int: ...
    @property
    def categories(self) -> list[str]: ...
    @property
    def consent_categories(self) -> list[str]: ...
    @property
    def providers(self) -> list[str]: ...
    @property
    def consent_cookie(self) -> str: ...
    @property
    def consent_ttl_days(self) -> int: ...
    @property
    def refusal_ttl_days(self) -> int: ...
    @property
    def proof_retention_days(self) -> int: ...

@final
class Decision:
    def __bool__(self) -> bool: ...
    def __eq__(self, value: object, /) -> bool: ...
    @property
    def allowed(self) -> bool: ...
    @property
    def category(self) -> Optional[str]: ...
    @property
    def reason(self) -> str: ...
    @property
    def declaration(self) -> Optional[str]: ...

@final
class Undeletable:
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def reason(self) -> str: ...

@final
class DeletionPlan:
    def __bool__(self) -> bool: ...
    @property
    def set_cookie(self) -> list[str]: ...
    @property
    def storage_keys(self) -> list[tuple[str, str]]: ...
    @property
    def undeletable(self) -> list[Undeletable]: ...

@final
class Dropped:
    @property
    def index(self) -> int: ...
    @property
    def header(self) -> str: ...
    @property
    def name(self) -> Optional[str]: ...
    @property
    def category(self) -> Optional[str]: ...
    @property
    def reason(self) -> str: ...
    @property
    def message(self) -> str: ...

@final
class Filtered:
    @property
    def kept(self) -> list[str]: ...
    @property
    def dropped(self) -> list[Dropped]: ...

@final
class ConsentState:
    def accept_all(
        self,
        at: datetime,
        notice: Optional[int] = None,
        control: _Control = "button",
        gpc: bool = False,
    ) -> ConsentState: ...
    def reject_all(
        self,
        at: datetime,
        notice: Optional[int] = None,
        control: _Control = "button",
        gpc: bool = False,
    ) -> ConsentState: ...
    def save(
        self,
        categories: Iterable[str],
        at: datetime,
        refused_providers: Optional[Iterable[str]] = None,
        notice: Optional[int] = None,
        control: _Control = "button",
        gpc: bool = False,
    ) -> ConsentState: ...
    def withdraw(
        self,
        at: datetime,
        categories: Optional[Iterable[str]] = None,
        notice: Optional[int] = None,
        control: _Control = "button",
        gpc: bool = False,
    ) -> ConsentState: ...
    def signal_gpc(self, at: datetime) -> ConsentState: ...
    def dismiss(self, at: datetime) -> ConsentState: ...
    def scroll(self, at: datetime) -> ConsentState: ...
    def navigate(self, at: datetime) -> ConsentState: ...
    def idle(self, at: datetime) -> ConsentState: ...
    def permits(self, name: str, now: datetime, kind: _Kind = "cookie") -> Decision: ...
    def category_status(self, category: str, now: datetime) -> str: ...
    def prompt_due(self, now: datetime) -> bool: ...
    def consent_mode(self, now: datetime) -> dict[_ConsentModeType, _ConsentModeWord]: ...
    def toggles(self, now: datetime) -> list[str]: ...
    def deletion_plan(
        self, host: str, present: Union[str, Iterable[str]], now: datetime
    ) -> DeletionPlan: ...
    def filter_set_cookie(self, headers: Iterable[str], now: datetime) -> Filtered: ...
    def judge_set_cookies(self, headers: Iterable[str], now: datetime) -> list[str]: ...
    def proof_record(self) -> Optional[dict[str, Any]]: ...
    def proof_json(self) -> Optional[str]: ...
    def to_cookie(self, key: Optional[bytes] = None) -> str: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def consent_id(self) -> str: ...
    @property
    def decided_at(self) -> Optional[datetime]: ...
    @property
    def revision(self) -> Optional[int]: ...
    @property
    def partial_refusal_at(self) -> Optional[datetime]: ...
    @property
    def notice_version(self) -> Optional[int]: ...
    @property
    def action(self) -> Optional[str]: ...
    @property
    def control(self) -> Optional[str]: ...
    @property
    def gpc(self) -> bool: ...
    @property
    def decisions(self) -> dict[str, str]: ...
    @property
    def providers_refused(self) -> list[str]: ...
    @property
    def expires(self) -> Optional[datetime]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

class _DecisionForm(TypedDict):
    action: Literal["accept_all", "reject_all", "save", "withdraw"]
    notice: int
    control: _Control
    granted: list[str]
    categories: Optional[list[str]]
    consent_id: Optional[str]

class _AuditViolation(TypedDict):
    """A violation as ``AuditReport.violations`` lists it (SPEC §9)."""

    id: str
    file: str
    line: int
    visitor: str
    ts: str
    cookie: Optional[str]
    category: Optional[str]
    message: str

class _AuditInputError(TypedDict):
    """An input error as ``AuditReport.input_errors`` lists it (SPEC §9)."""

    file: str
    line: int
    message: str

class _AuditReadError(TypedDict):
    """A file not read to its end, as ``AuditReport.read_errors`` lists it."""

    file: str
    message: str

class _AuditRow(TypedDict):
    """A row of ``AuditReport.to_dicts()``: a violation, or an input error with
    ``id`` ``"input-error"`` and ``visitor``, ``ts``, ``cookie``, ``category`` None."""

    id: str
    file: str
    line: int
    visitor: Optional[str]
    ts: Optional[str]
    cookie: Optional[str]
    category: Optional[str]
    message: str

class _AuditSummary(TypedDict):
    """``AuditReport.summary``."""

    events: int
    visitors: int
    violations_by_id: dict[str, int]
    files: int
    lines: int
    violations: int
    input_errors: int

_Path = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]

@final
class AuditReport:
    @property
    def violations(self) -> list[_AuditViolation]: ...
    @property
    def input_errors(self) -> list[_AuditInputError]: ...
    @property
    def summary(self) -> _AuditSummary: ...
    @property
    def exit_code(self) -> int: ...
    @property
    def read_errors(self) -> list[_AuditReadError]: ...
    def to_dicts(self) -> list[_AuditRow]: ...
    def to_pandas(self) -> Any: ...
    def violations_table(self) -> Any: ...
    def input_errors_table(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def _findings(self) -> Any: ...
    def to_json(self) -> str: ...
    def __len__(self) -> int: ...

def audit(
    paths: Union[_Path, Iterable[_Path], _ArrowStream, _ArrowArray],
    policy: Policy,
    grace_seconds: int = 0,
    threads: Optional[int] = None,
    merge: bool = False,
) -> AuditReport: ...
def audit_lines(
    lines: Iterable[Union[str, bytes, dict[str, Any]]], policy: Policy, grace_seconds: int = 0
) -> AuditReport: ...
