"""E-mail copies of notifications, sent after the transaction that wrote them committed.

Configured by SMTP_HOST, SMTP_PORT (25), SMTP_USER, SMTP_PASSWORD, SMTP_FROM,
SMTP_SECURITY ("", "starttls" or "ssl"), from the app config or the environment.
Without SMTP_HOST nothing is mailed: the in-app inbox is the channel of record.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from transfers.extensions import db
from transfers.inbox.models import MailAddress, Notification

log = logging.getLogger("transfers.mail")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "noreply@localhost"
    security: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        def get(key: str, default: str = "") -> str:
            return str(config.get(key) or os.environ.get(key) or default)

        host = get("SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(get("SMTP_PORT", "25")),
            user=get("SMTP_USER"),
            password=get("SMTP_PASSWORD"),
            sender=get("SMTP_FROM", "noreply@localhost"),
            security=get("SMTP_SECURITY").lower(),
        )


def _message(n: Notification, to: str, sender: str, base_url: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = n.title
    msg["From"] = sender
    msg["To"] = to
    link = (
        f"\n\n查看事项：{base_url.rstrip('/')}/cases/{n.case_id}" if n.case_id and base_url else ""
    )
    msg.set_content(f"{n.body}{link}\n\n（本邮件由搬迁群众权益转接办理系统自动发送）")
    return msg


def deliver(
    notification_ids: Sequence[int],
    settings: SmtpSettings | None,
    *,
    now: datetime,
    base_url: str = "",
) -> int:
    """Mail committed notifications to users with an address; mark them mailed and commit.

    Call only after the transaction that created them committed. Returns how many
    messages went out. A failing server is logged; the in-app inbox still has them.
    """
    if settings is None or not notification_ids:
        return 0
    rows = db.session.execute(
        select(Notification, MailAddress.email)
        .join(MailAddress, MailAddress.user_id == Notification.user_id)
        .where(Notification.id.in_(list(notification_ids)), Notification.mailed_at.is_(None))
        .order_by(Notification.id)
    ).all()
    if not rows:
        return 0
    sent = 0
    smtp_cls = smtplib.SMTP_SSL if settings.security == "ssl" else smtplib.SMTP
    try:
        with smtp_cls(settings.host, settings.port, timeout=30) as smtp:
            if settings.security == "starttls":
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password)
            for notification, email in rows:
                smtp.send_message(_message(notification, email, settings.sender, base_url))
                notification.mailed_at = now
                sent += 1
    except (OSError, smtplib.SMTPException) as e:
        log.warning("mail delivery failed after %d messages: %s", sent, e)
    db.session.commit()
    return sent
