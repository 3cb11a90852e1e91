"""Realistic synthetic dossiers for the reference portal, deterministic for a given seed and time.

Every dossier's history is consistent with its status: events start with the receipt, times
increase, nothing happens after ``now``, open dossiers are not past due unless ``overdue``, and
closed ones carry their completion time.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.schema import Procedure
from bot.portal_contract.codes import format_dossier_code
from bot.portal_contract.models import DeliveryMethod, DossierStatus
from bot.portal_service import tables

VIETNAM = dt.timezone(dt.timedelta(hours=7))
PROVINCIAL_CENTRE = ("000.00.20.H37", "Trung tâm Phục vụ hành chính công tỉnh Lạng Sơn")
COMMUNE_DESKS = (
    ("000.20.31.H37", "Bộ phận Một cửa UBND phường Đông Kinh"),
    ("000.21.31.H37", "Bộ phận Một cửa UBND phường Lương Văn Tri"),
    ("000.22.31.H37", "Bộ phận Một cửa UBND phường Tam Thanh"),
    ("000.23.31.H37", "Bộ phận Một cửa UBND phường Kỳ Lừa"),
    ("000.20.32.H37", "Bộ phận Một cửa UBND xã Đồng Đăng"),
    ("000.20.33.H37", "Bộ phận Một cửa UBND xã Cao Lộc"),
    ("000.20.34.H37", "Bộ phận Một cửa UBND xã Hữu Lũng"),
    ("000.20.35.H37", "Bộ phận Một cửa UBND xã Chi Lăng"),
    ("000.20.36.H37", "Bộ phận Một cửa UBND xã Lộc Bình"),
    ("000.20.37.H37", "Bộ phận Một cửa UBND xã Tràng Định"),
    ("000.20.38.H37", "Bộ phận Một cửa UBND xã Bắc Sơn"),
    ("000.20.39.H37", "Bộ phận Một cửa UBND xã Bình Gia"),
)
_FAMILY = (
    "Nguyễn", "Hoàng", "Nông", "Lương", "Vi", "Lộc", "Hà", "Trần", "Lê", "Chu", "Triệu", "Đinh",
    "Lăng", "Mã", "Phạm", "Vũ",
)  # fmt: skip
_MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Hải", "Quang", "Thanh", "Hồng")
_GIVEN = (
    "An", "Bình", "Cường", "Dung", "Giang", "Hạnh", "Hoa", "Hùng", "Hương", "Lan", "Linh", "Long",
    "Mai", "Nam", "Phương", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Yến", "Khánh", "Việt",
)  # fmt: skip
_PLACES = (
    "thôn Nà Lầu", "thôn Bản Cưởm", "khối 3", "khối 7", "thôn Pác Cáp", "thôn Khòn Pjạo",
    "thôn Nà Pàn", "khối Ga", "thôn Đồng Tâm", "thôn Pò Mã",
)  # fmt: skip
_REJECT_REASONS = (
    "Hồ sơ không thuộc thẩm quyền giải quyết",
    "Không đủ điều kiện theo quy định",
    "Công dân không bổ sung hồ sơ trong thời hạn",
)
STATUS_WEIGHTS: dict[DossierStatus, int] = {
    DossierStatus.RETURNED: 34,
    DossierStatus.PROCESSING: 16,
    DossierStatus.RECEIVED: 6,
    DossierStatus.SUPPLEMENT_REQUIRED: 8,
    DossierStatus.PAYMENT_REQUIRED: 5,
    DossierStatus.RESULT_READY: 9,
    DossierStatus.OVERDUE: 8,
    DossierStatus.REJECTED: 6,
    DossierStatus.WITHDRAWN: 8,
}
_OPEN = {
    DossierStatus.RECEIVED,
    DossierStatus.PROCESSING,
    DossierStatus.SUPPLEMENT_REQUIRED,
    DossierStatus.PAYMENT_REQUIRED,
}
_PATHS: dict[DossierStatus, tuple[DossierStatus, ...]] = {
    DossierStatus.RECEIVED: (),
    DossierStatus.PROCESSING: (DossierStatus.PROCESSING,),
    DossierStatus.SUPPLEMENT_REQUIRED: (
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUIRED,
    ),
    DossierStatus.PAYMENT_REQUIRED: (DossierStatus.PROCESSING, DossierStatus.PAYMENT_REQUIRED),
    DossierStatus.RESULT_READY: (DossierStatus.PROCESSING, DossierStatus.RESULT_READY),
    DossierStatus.RETURNED: (
        DossierStatus.PROCESSING,
        DossierStatus.RESULT_READY,
        DossierStatus.RETURNED,
    ),
    DossierStatus.OVERDUE: (DossierStatus.PROCESSING, DossierStatus.OVERDUE),
    DossierStatus.REJECTED: (DossierStatus.PROCESSING, DossierStatus.REJECTED),
    DossierStatus.WITHDRAWN: (DossierStatus.WITHDRAWN,),
}
_STEPS: dict[DossierStatus, str] = {
    DossierStatus.RECEIVED: "Tiếp nhận hồ sơ tại {desk}",
    DossierStatus.PROCESSING: "Chuyển {agency} thẩm định hồ sơ",
    DossierStatus.SUPPLEMENT_REQUIRED: "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    DossierStatus.PAYMENT_REQUIRED: "Chờ công dân nộp phí, lệ phí",
    DossierStatus.RESULT_READY: "Có kết quả, chuyển {desk} trả kết quả",
    DossierStatus.RETURNED: "Đã trả kết quả cho công dân",
    DossierStatus.OVERDUE: "Quá hạn giải quyết, cơ quan đang tiếp tục xử lý",
    DossierStatus.REJECTED: "Từ chối giải quyết hồ sơ",
    DossierStatus.WITHDRAWN: "Công dân rút hồ sơ",
}


@dataclass(frozen=True)
class AgencyRow:
    """A receiving agency to seed."""

    code: str
    name: str
    level: str


AGENCIES: tuple[AgencyRow, ...] = (
    AgencyRow(*PROVINCIAL_CENTRE, level="tinh"),
    *(AgencyRow(code, name, level="xa") for code, name in COMMUNE_DESKS),
)


def processing_days(procedure: Procedure) -> int:
    """Working days to settle a dossier, from the first published channel time (default 10)."""
    for channel in procedure.channels:
        if channel.time and (match := re.search(r"\d+", channel.time)):
            return max(int(match.group()), 1)
    return 10


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` moved forward by ``days`` working days (Monday to Friday)."""
    moment = start
    while days > 0:
        moment += dt.timedelta(days=1)
        if moment.astimezone(VIETNAM).weekday() < 5:
            days -= 1
    return moment


class DossierGenerator:
    """Generates dossiers for procedures; same seed, procedures and ``now`` give the same rows."""

    def __init__(self, procedures: Sequence[Procedure], seed: int, now: dt.datetime) -> None:
        if not procedures:
            raise ValueError("no procedure to generate dossiers for")
        self._procedures = sorted(procedures, key=lambda procedure: procedure.code)
        self._rng = random.Random(seed)
        self._now = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
        self._sequences: Counter[tuple[str, dt.date]] = Counter()

    def generate(self, count: int) -> list[tables.Dossier]:
        """``count`` dossiers; the first ones cover every status, the rest follow STATUS_WEIGHTS."""
        statuses = list(DossierStatus)
        weights = [STATUS_WEIGHTS[status] for status in statuses]
        dossiers = []
        for index in range(count):
            if index < len(statuses):
                status = statuses[index]
            else:
                status = self._rng.choices(statuses, weights)[0]
            dossiers.append(self._dossier(status))
        return dossiers

    def _dossier(self, status: DossierStatus) -> tables.Dossier:
        rng = self._rng
        procedure = rng.choice(self._procedures).effective()
        desk = self._desk(procedure)
        days = processing_days(procedure)
        submitted = self._submitted(status, days)
        due = add_working_days(submitted, days)
        path = _PATHS[status]
        if status in _OPEN:
            times = self._times_between(submitted, self._now, len(path))
        elif status is DossierStatus.OVERDUE:
            times = [*self._times_between(submitted, due, 1), due + dt.timedelta(minutes=1)]
        else:
            times = self._times_between(
                submitted, min(self._now, due + dt.timedelta(days=3)), len(path)
            )
        local_day = submitted.astimezone(VIETNAM).date()
        self._sequences[(desk.code, local_day)] += 1
        code = format_dossier_code(desk.code, local_day, self._sequences[(desk.code, local_day)])
        agency_name = procedure.agency or desk.name
        supplement = (
            self._supplement(procedure) if DossierStatus.SUPPLEMENT_REQUIRED in path else []
        )
        events = [
            tables.DossierEvent(
                position=position,
                at=at,
                status=step_status.value,
                step=_STEPS[step_status].format(desk=desk.name, agency=agency_name),
                agency=desk.name if step_status is DossierStatus.RECEIVED else agency_name,
                note=self._note(step_status, supplement),
            )
            for position, (step_status, at) in enumerate(
                zip((DossierStatus.RECEIVED, *path), (submitted, *times), strict=True)
            )
        ]
        closed = status in {
            DossierStatus.RESULT_READY,
            DossierStatus.RETURNED,
            DossierStatus.REJECTED,
            DossierStatus.WITHDRAWN,
        }
        completed_at = None
        if closed:
            completed_at = next(
                event.at
                for event in events
                if event.status
                in {
                    DossierStatus.RESULT_READY,
                    DossierStatus.REJECTED,
                    DossierStatus.WITHDRAWN,
                }
            )
        return tables.Dossier(
            code=code,
            procedure_code=procedure.code,
            agency_code=desk.code,
            status=status.value,
            submitted_at=submitted,
            due_at=due,
            completed_at=completed_at,
            current_step=events[-1].step,
            supplement_documents=supplement if status is DossierStatus.SUPPLEMENT_REQUIRED else [],
            fee_due=self._fee(procedure) if status is DossierStatus.PAYMENT_REQUIRED else None,
            delivery=self._delivery(procedure).value,
            applicant_name=" ".join((rng.choice(_FAMILY), rng.choice(_MIDDLE), rng.choice(_GIVEN))),
            applicant_phone="0" + rng.choice("389") + "".join(rng.choices("0123456789", k=8)),
            applicant_id_number="020" + "".join(rng.choices("0123456789", k=9)),
            applicant_address=f"{rng.choice(_PLACES)}, {desk.name.split('UBND ')[-1]}, "
            "tỉnh Lạng Sơn"
            if desk.level == "xa"
            else f"{rng.choice(_PLACES)}, tỉnh Lạng Sơn",
            events=events,
        )

    def _desk(self, procedure: Procedure) -> AgencyRow:
        communes = AGENCIES[1:]
        if "xa" in procedure.levels and (
            "tinh" not in procedure.levels or self._rng.random() < 0.5
        ):
            return self._rng.choice(communes)
        return AGENCIES[0]

    def _submitted(self, status: DossierStatus, days: int) -> dt.datetime:
        """A submission time during office hours that fits the status."""
        rng = self._rng
        if status is DossierStatus.RECEIVED:
            back = rng.uniform(0.05, 1.5)
        elif status in _OPEN:
            back = rng.uniform(0.2, max(days * 1.0, 1.0))
        elif status is DossierStatus.OVERDUE:
            back = days * 1.5 + rng.uniform(4, 30)
        else:
            back = rng.uniform(days * 1.5 + 3, 150)
        moment = (self._now - dt.timedelta(days=back)).astimezone(VIETNAM)
        while moment.weekday() >= 5:
            moment -= dt.timedelta(days=1)
        moment = moment.replace(
            hour=rng.randint(7, 16), minute=rng.randint(0, 59), second=0, microsecond=0
        )
        candidate = moment.astimezone(dt.UTC)
        if candidate >= self._now:
            candidate = self._now - dt.timedelta(minutes=rng.randint(5, 60))
        if status in _OPEN:
            while add_working_days(candidate, days) <= self._now:
                later = candidate + dt.timedelta(days=1)
                candidate = later if later < self._now else self._now - dt.timedelta(minutes=30)
        elif status is DossierStatus.OVERDUE:
            while add_working_days(candidate, days) >= self._now - dt.timedelta(hours=1):
                candidate -= dt.timedelta(days=1)
        return candidate

    def _times_between(self, start: dt.datetime, end: dt.datetime, count: int) -> list[dt.datetime]:
        """``count`` increasing minute-precise times in ``(start, end]``."""
        span = max(int((end - start).total_seconds() // 60), count)
        minutes = sorted(self._rng.sample(range(1, span + 1), count))
        return [min(start + dt.timedelta(minutes=m), end) for m in minutes]

    def _supplement(self, procedure: Procedure) -> list[str]:
        names = [document.name for document in procedure.documents]
        if not names:
            return ["Bản sao giấy tờ tuỳ thân của người nộp hồ sơ"]
        return self._rng.sample(names, k=min(len(names), self._rng.randint(1, 2)))

    def _note(self, status: DossierStatus, supplement: list[str]) -> str | None:
        if status is DossierStatus.SUPPLEMENT_REQUIRED:
            return "Cần bổ sung: " + "; ".join(supplement)
        if status is DossierStatus.REJECTED:
            return self._rng.choice(_REJECT_REASONS)
        if status is DossierStatus.WITHDRAWN:
            return "Công dân có đơn đề nghị rút hồ sơ"
        return None

    def _fee(self, procedure: Procedure) -> str:
        for channel in procedure.channels:
            if channel.fee and re.search(r"\d", channel.fee):
                return channel.fee
        return f"{self._rng.choice((20, 50, 100, 200))}.000 đồng"

    def _delivery(self, procedure: Procedure) -> DeliveryMethod:
        kinds = {channel.kind for channel in procedure.channels}
        options = [DeliveryMethod.AT_DESK]
        if "buu_chinh" in kinds:
            options.append(DeliveryMethod.POST)
        if "truc_tuyen" in kinds:
            options.append(DeliveryMethod.ONLINE)
        return self._rng.choice(options)
