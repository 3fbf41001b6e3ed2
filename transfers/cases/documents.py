"""Documents attached to cases: type and size checked, stored outside static/."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from transfers.auth.models import User
from transfers.cases.models import Case, Document
from transfers.engine.service import record_event
from transfers.extensions import db
from workflows.i18n import gettext as _

# Accepted types, recognised by their first bytes, not by the name the browser sends.
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


class DocumentRejected(ValueError):
    pass


def sniff(head: bytes) -> tuple[str, str]:
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    raise DocumentRejected(_("仅支持上传 PDF、JPG、PNG 格式的材料"))


def display_name(filename: str, ext: str) -> str:
    """The uploader's name for a file with the extension of what it really is: a PDF
    sent as `x.html` is kept (and later downloaded) as `x.pdf`."""
    stem = Path(filename or "").name.rsplit(".", 1)[0].strip() or _("材料")
    return stem[: 200 - len(ext)] + ext


def download_name(doc: Document) -> str:
    """The name a document is downloaded under (also for rows stored before names were
    given their real extension)."""
    ext = next((e for mime, e in SIGNATURES.values() if mime == doc.content_type), "")
    return display_name(doc.filename, ext)


def store_document(
    *,
    case: Case,
    stream: BinaryIO,
    filename: str,
    description: str,
    actor: User,
    folder: Path,
    max_bytes: int,
    now: datetime,
) -> Document:
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise DocumentRejected(_("文件不能超过%(n)sMB", n=max_bytes // (1024 * 1024)))
    if not content:
        raise DocumentRejected(_("文件为空"))
    content_type, ext = sniff(content[:16])
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + ext
    (folder / stored).write_bytes(content)
    doc = Document(
        case_id=case.id,
        filename=display_name(filename, ext),
        stored_name=stored,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        description=description,
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    db.session.add(doc)
    db.session.flush()
    record_event(
        case,
        actor=actor,
        kind="document",
        now=now,
        data={"document_id": doc.id, "description": description, "sha256": doc.sha256},
    )
    return doc
