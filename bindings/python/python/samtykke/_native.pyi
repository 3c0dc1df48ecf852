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
    "LintWarning",
    "LogError",
    "Policy",
    "PolicyError",
    "SamtykkeError",
    "Undeletable",
    "__version__",
    "audit",
    "audit_lines",
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
