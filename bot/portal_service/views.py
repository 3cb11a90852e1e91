"""Database rows rendered as contract models."""

from __future__ import annotations

import datetime as dt

from bot.portal_contract.models import (
    STATUS_LABELS,
    AgencyRef,
    Applicant,
    DeliveryMethod,
    Dossier,
    DossierDetails,
    DossierStatus,
    HistoryStep,
    NextAction,
    NextStep,
    ProcedureRef,
    ProcedureRequirements,
    RequirementChannel,
    RequirementDocument,
)
from bot.portal_service import tables
from bot.portal_service.masking import mask_digits

VIETNAM = dt.timezone(dt.timedelta(hours=7))

_COLLECT = {
    DeliveryMethod.AT_DESK: "Dạ, kết quả đã có. Anh/chị mang giấy tiếp nhận hồ sơ đến {agency} "
    "để nhận kết quả.",
    DeliveryMethod.POST: "Dạ, kết quả đã có và sẽ được gửi qua dịch vụ bưu chính đến địa chỉ "
    "anh/chị đăng ký.",
    DeliveryMethod.ONLINE: "Dạ, kết quả đã có. Anh/chị đăng nhập Cổng dịch vụ công để tải kết "
    "quả điện tử.",
}


def _day(moment: dt.datetime) -> str:
    return f"{moment.astimezone(VIETNAM):%d/%m/%Y}"


def next_step(dossier: tables.Dossier) -> NextStep:
    """What the citizen must do next, given the dossier's status."""
    status = DossierStatus(dossier.status)
    agency = dossier.agency.name
    match status:
        case DossierStatus.RECEIVED | DossierStatus.PROCESSING:
            return NextStep(
                action=NextAction.WAIT,
                text="Dạ, hồ sơ đang được giải quyết, anh/chị chưa cần làm gì thêm. Kết quả dự "
                f"kiến có trước ngày {_day(dossier.due_at)}.",
            )
        case DossierStatus.SUPPLEMENT_REQUIRED:
            return NextStep(
                action=NextAction.SUPPLEMENT_DOCUMENTS,
                text=f"Dạ, anh/chị cần bổ sung giấy tờ tại {agency} hoặc trực tuyến trên Cổng "
                "dịch vụ công để hồ sơ được tiếp tục giải quyết.",
                documents=dossier.supplement_documents,
            )
        case DossierStatus.PAYMENT_REQUIRED:
            return NextStep(
                action=NextAction.PAY_FEE,
                text="Dạ, anh/chị cần nộp phí, lệ phí (trực tuyến trên Cổng dịch vụ công hoặc "
                f"tại {agency}) để nhận kết quả.",
                fee=dossier.fee_due,
            )
        case DossierStatus.RESULT_READY:
            return NextStep(
                action=NextAction.COLLECT_RESULT,
                text=_COLLECT[DeliveryMethod(dossier.delivery)].format(agency=agency),
            )
        case DossierStatus.OVERDUE:
            return NextStep(
                action=NextAction.WAIT,
                text=f"Dạ, hồ sơ đã quá hạn giải quyết ({_day(dossier.due_at)}). {agency} sẽ "
                "gửi văn bản xin lỗi và hẹn lại ngày trả kết quả; anh/chị có thể liên hệ trực "
                "tiếp cơ quan để được hỗ trợ.",
            )
        case _:
            return NextStep(action=NextAction.NONE, text="Dạ, hồ sơ đã kết thúc xử lý.")


def dossier_view(dossier: tables.Dossier, verified: bool) -> Dossier:
    """The contract view of a dossier: status and procedure for anyone, details only when
    ``verified`` (see docs/privacy.md for what is public and why)."""
    status = DossierStatus(dossier.status)
    details = None
    if verified:
        details = DossierDetails(
            agency=AgencyRef(code=dossier.agency.code, name=dossier.agency.name),
            submitted_at=dossier.submitted_at,
            due_at=dossier.due_at,
            completed_at=dossier.completed_at,
            current_step=dossier.current_step,
            next_step=next_step(dossier),
            delivery=DeliveryMethod(dossier.delivery),
            applicant=Applicant(
                name=dossier.applicant_name,
                phone=mask_digits(dossier.applicant_phone),
                id_number=mask_digits(dossier.applicant_id_number),
                address=dossier.applicant_address,
            ),
            history=[
                HistoryStep(
                    at=event.at,
                    status=DossierStatus(event.status),
                    step=event.step,
                    agency=event.agency,
                    note=event.note,
                )
                for event in dossier.events
            ],
        )
    return Dossier(
        code=dossier.code,
        status=status,
        status_label=STATUS_LABELS[status],
        procedure=ProcedureRef(code=dossier.procedure.code, name=dossier.procedure.name),
        verified=verified,
        details=details,
    )


def requirements_view(procedure: tables.Procedure) -> ProcedureRequirements:
    """The contract view of a procedure's requirements."""
    return ProcedureRequirements(
        code=procedure.code,
        name=procedure.name,
        field=procedure.field,
        agency=procedure.agency,
        address=procedure.address,
        documents=[
            RequirementDocument.model_validate(document, from_attributes=True)
            for document in procedure.documents
        ],
        channels=[
            RequirementChannel.model_validate(channel, from_attributes=True)
            for channel in procedure.channels
        ],
        updated_on=procedure.updated_on,
    )
