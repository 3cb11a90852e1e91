"""The portal contract (API v1) as pydantic models, shared by the client and the reference portal.

``openapi/portal-v1.yaml`` is generated from these models through the reference portal's routes.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

API_VERSION = "1.0.0"
API_KEY_HEADER = "X-API-Key"
OWNER_PROOF_HEADER = "X-Owner-Proof"
END_USER_HEADER = "X-End-User"
END_USER_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
PROOF_PATTERN = r"^[0-9]{4}$"
"""ASCII digits only: ``\\d`` would also accept "١٢٣٤", which cannot travel in an HTTP header."""


class _Contract(BaseModel):
    """Base of contract models: tolerant of fields added by newer portal versions."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class DossierStatus(StrEnum):
    """Where a dossier stands."""

    RECEIVED = "received"
    PROCESSING = "processing"
    SUPPLEMENT_REQUIRED = "supplement_required"
    PAYMENT_REQUIRED = "payment_required"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    OVERDUE = "overdue"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: dict[DossierStatus, str] = {
    DossierStatus.RECEIVED: "Đã tiếp nhận",
    DossierStatus.PROCESSING: "Đang giải quyết",
    DossierStatus.SUPPLEMENT_REQUIRED: "Chờ bổ sung hồ sơ",
    DossierStatus.PAYMENT_REQUIRED: "Chờ nộp phí, lệ phí",
    DossierStatus.RESULT_READY: "Đã có kết quả, chờ trả",
    DossierStatus.RETURNED: "Đã trả kết quả",
    DossierStatus.OVERDUE: "Quá hạn giải quyết",
    DossierStatus.REJECTED: "Từ chối giải quyết",
    DossierStatus.WITHDRAWN: "Đã rút hồ sơ",
}


class NextAction(StrEnum):
    """What the citizen must do next."""

    WAIT = "wait"
    SUPPLEMENT_DOCUMENTS = "supplement_documents"
    PAY_FEE = "pay_fee"
    COLLECT_RESULT = "collect_result"
    NONE = "none"


class DeliveryMethod(StrEnum):
    """How the result reaches the citizen."""

    AT_DESK = "at_desk"
    POST = "post"
    ONLINE = "online"


ChannelKind = Literal["truc_tuyen", "truc_tiep", "buu_chinh"]


class HistoryStep(_Contract):
    """One step of a dossier's history."""

    at: dt.datetime
    status: DossierStatus
    step: str = Field(description="What happened, in Vietnamese")
    agency: str | None = Field(None, description="Agency that handled the step")
    note: str | None = None


class ProcedureRef(_Contract):
    """The procedure a dossier belongs to."""

    code: str = Field(description="Base code, e.g. '1.001193'")
    name: str


class AgencyRef(_Contract):
    """A receiving agency."""

    code: str = Field(description="Agency code, e.g. '000.00.20.H37'")
    name: str


class Applicant(_Contract):
    """The applicant, sent only to a caller who passed the owner check."""

    name: str = Field(description="Full name")
    phone: str = Field(description="Masked phone number, e.g. '*******678'")
    id_number: str = Field(description="Masked ID number")
    address: str


class NextStep(_Contract):
    """What the citizen must do next, with the details needed to do it."""

    action: NextAction
    text: str = Field(description="Instruction in Vietnamese")
    documents: list[str] = Field(default_factory=list, description="Documents to supplement")
    fee: str | None = Field(None, description="Amount to pay")


class DossierDetails(_Contract):
    """Everything beyond status and procedure: sent only after the owner check passed."""

    agency: AgencyRef
    submitted_at: dt.datetime
    due_at: dt.datetime
    completed_at: dt.datetime | None = None
    current_step: str
    next_step: NextStep
    delivery: DeliveryMethod
    applicant: Applicant
    history: list[HistoryStep]


class Dossier(_Contract):
    """A dossier as the portal reports it: status and procedure to anyone who knows the code
    (within the lookup limits), the details only to its owner."""

    code: str
    status: DossierStatus
    status_label: str
    procedure: ProcedureRef
    verified: bool = Field(description="True when the owner check passed in this request")
    details: DossierDetails | None = Field(None, description="Present only when verified")


class RequirementDocument(_Contract):
    """One document to submit."""

    name: str
    copies: str | None = None
    form: str | None = None


class RequirementChannel(_Contract):
    """One way to submit, with processing time and fee."""

    kind: ChannelKind
    time: str | None = None
    fee: str | None = None


class ProcedureRequirements(_Contract):
    """Today's requirements of a procedure."""

    code: str
    name: str
    field: str
    agency: str | None = None
    address: str | None = None
    documents: list[RequirementDocument]
    channels: list[RequirementChannel]
    updated_on: dt.date = Field(description="Date the portal's data for this procedure was updated")


class ProcedureSummary(_Contract):
    """A search hit."""

    code: str
    name: str
    field: str


class ProcedureSearch(_Contract):
    """Procedures whose name matches the query."""

    query: str
    items: list[ProcedureSummary]


class Health(_Contract):
    """Liveness and database reachability."""

    status: Literal["ok"]
    version: str
    dossiers: int


ErrorCode = Literal[
    "invalid_code",
    "invalid_request",
    "not_found",
    "unauthorised",
    "verification_failed",
    "throttled",
    "internal_error",
]


class ErrorBody(_Contract):
    """An error: a stable machine code and a Vietnamese message."""

    code: ErrorCode
    message: str
    attempts_left: int | None = None
    retry_after_s: int | None = None


class ErrorResponse(_Contract):
    """Every non-2xx answer."""

    error: ErrorBody
