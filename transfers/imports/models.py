"""Ledger imports: a batch (one uploaded file) and its staged rows.

Rows are staged in the database, not held in memory, so a 100,000-person ledger is read
once, validated, previewed, and then committed household by household in chunks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.db import JSONType, UTCDateTime, utcnow
from transfers.extensions import Model
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import N_

BATCH_STATUS = {
    "queued": N_("排队等待校验"),
    "checking": N_("正在校验"),
    "previewed": N_("待确认导入"),
    "importing": N_("正在导入"),
    "done": N_("导入完成"),
    "failed": N_("校验失败"),
    "abandoned": N_("已放弃"),
}
#: A background job is at work on the batch (the page polls its progress).
RUNNING = ("queued", "checking", "importing")
ROW_STATUS = {
    "valid": N_("待导入"),
    "invalid": N_("有误"),
    "existing": N_("已登记（未重复导入）"),
    "imported": N_("已导入"),
}


class ImportBatch(Model):
    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="previewed")
    # The header row as found in the file (original order, extra columns included).
    headers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    ignored_columns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    invalid_rows: Mapped[int] = mapped_column(Integer, default=0)
    existing_rows: Mapped[int] = mapped_column(Integer, default=0)
    total_households: Mapped[int] = mapped_column(Integer, default=0)
    processed_households: Mapped[int] = mapped_column(Integer, default=0)
    created_households: Mapped[int] = mapped_column(Integer, default=0)
    created_persons: Mapped[int] = mapped_column(Integer, default=0)
    # Rows outside the importing user's reach: one summary, never imported.
    outside_rows: Mapped[int] = mapped_column(Integer, default=0)
    # The sheet read, the sheets of the file, and the header row's number.
    sheet_name: Mapped[str] = mapped_column(String(100), default="")
    sheet_names: Mapped[list[str]] = mapped_column(JSONType, default=list)
    header_row: Mapped[int] = mapped_column(Integer, default=0)
    # Place names as written -> jurisdiction id, confirmed in the preview (whole file).
    place_choices: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    # Names not resolved: [{"text", "candidates": [{"id", "name"}], "rows"}].
    place_problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # 安置点 named but unknown in their destination: [{"destination_id", "place", "name", "rows"}].
    new_sites: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # The background job: rows checked so far, and why it failed.
    checked_rows: Mapped[int] = mapped_column(Integer, default=0)
    job_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a check or an import last made progress (a job that stalls is failed).
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()

    # The housekeeping finds old and abandoned batches by status and age.
    __table_args__ = (Index("ix_import_batch_status_created_at", "status", "created_at"),)

    @property
    def status_label(self) -> str:
        return BATCH_STATUS.get(self.status, self.status)

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.invalid_rows - self.existing_rows - self.outside_rows

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def percent(self) -> int:
        """How far the job is: rows checked (of the rows the file had when last checked,
        else unknown), then households imported."""
        if self.status in ("queued", "checking"):
            if not self.total_rows:
                return 0
            return min(99, int(100 * self.checked_rows / self.total_rows))
        if not self.total_households:
            return 100
        return int(100 * self.processed_households / self.total_households)


class ImportRow(Model):
    """One ledger row: its original cells, the normalized values and its errors."""

    __tablename__ = "import_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    row_no: Mapped[int] = mapped_column(Integer)
    household_key: Mapped[str] = mapped_column(String(80))
    id_number: Mapped[str | None] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(16))
    raw: Mapped[list[str]] = mapped_column(JSONType, default=list)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # [{"column": "身份证号码", "message": "..."}]
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)

    __table_args__ = (
        Index("ix_import_row_batch_id_row_no", "batch_id", "row_no"),
        Index("ix_import_row_batch_id_status_household_key", "batch_id", "status", "household_key"),
    )


class ImportGrant(Model):
    """A township or county office may import ledgers for its whole jurisdiction.

    Village staff import for their own villages and administrators within their grants
    without one; an office at a township or county needs this grant, given by an
    administrator (on the admin page, or `flask grant-import`, which leaves `granted_by`
    empty).
    """

    __tablename__ = "import_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    jurisdiction: Mapped[Jurisdiction] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    __table_args__ = (UniqueConstraint("user_id", "jurisdiction_id"),)
