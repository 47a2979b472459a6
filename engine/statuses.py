"""DVCQG dossier status codes, shared with the national portal (docs/domain.md section 2)."""

from __future__ import annotations

from enum import IntEnum


class DossierStatus(IntEnum):
    SUBMITTED = 1
    ACCEPTED = 2
    NOT_ACCEPTED = 3
    IN_PROCESS = 4
    SUPPLEMENT_REQUESTED = 5
    FINANCIAL_OBLIGATION = 6
    WITHDRAWN = 7
    STOPPED = 8
    RESOLVED = 9
    RETURNED = 10

    @property
    def label(self) -> str:
        return _LABELS_VI[self]

    @property
    def label_en(self) -> str:
        return _LABELS_EN[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


_LABELS_VI = {
    DossierStatus.SUBMITTED: "Mới đăng ký",
    DossierStatus.ACCEPTED: "Được tiếp nhận",
    DossierStatus.NOT_ACCEPTED: "Không được tiếp nhận",
    DossierStatus.IN_PROCESS: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.FINANCIAL_OBLIGATION: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESOLVED: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}
_LABELS_EN = {
    DossierStatus.SUBMITTED: "Newly submitted",
    DossierStatus.ACCEPTED: "Accepted",
    DossierStatus.NOT_ACCEPTED: "Not accepted",
    DossierStatus.IN_PROCESS: "In process",
    DossierStatus.SUPPLEMENT_REQUESTED: "Supplement requested",
    DossierStatus.FINANCIAL_OBLIGATION: "Financial obligation requested",
    DossierStatus.WITHDRAWN: "Withdrawn by applicant",
    DossierStatus.STOPPED: "Processing stopped",
    DossierStatus.RESOLVED: "Resolved",
    DossierStatus.RETURNED: "Result returned",
}
FINAL_STATUSES = frozenset(
    {
        DossierStatus.NOT_ACCEPTED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RETURNED,
    }
)


#: The channels of submission (and of the result's return), by their stored code.
CHANNEL_NAMES = {1: "direct", 2: "online", 3: "postal"}
