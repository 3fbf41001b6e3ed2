"""Interface language: Chinese (zh_CN) by default, English on request (Flask-Babel).

The source strings are Chinese, so zh_CN needs no catalog; the English catalog is
``transfers/translations/en/LC_MESSAGES/messages.po``. Its compiled ``.mo`` is built
from the ``.po`` when missing or older (at start-up), so a fresh clone needs no extra
step. The choice is kept in the session and a long-lived cookie.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, current_app, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import Babel, format_date, format_datetime, get_locale, gettext

from workflows import i18n as workflow_i18n
from workflows.calendar import LOCAL_TZ

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LOCALE = "zh_CN"
COOKIE = "lang"

babel = Babel()
bp = Blueprint("i18n", __name__)
log = logging.getLogger(__name__)


def select_locale() -> str:
    if request.path.startswith("/api/") and request.endpoint != "api.reference":
        return DEFAULT_LOCALE  # the REST API's JSON speaks one documented language
    for candidate in (session.get(COOKIE), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LOCALE


def is_chinese() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def init_app(app: Flask) -> None:
    compile_catalogs()
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: str(LOCAL_TZ),
        default_locale=DEFAULT_LOCALE,
        default_translation_directories=str(TRANSLATIONS),
    )
    workflow_i18n.set_translator(_translate_if_in_request)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=select_locale_safe)
    app.jinja_env.filters.update(t=_translate_if_in_request)


def select_locale_safe() -> str:
    locale = get_locale()
    return DEFAULT_LOCALE if locale is None or locale.language == "zh" else str(locale)


def _translate_if_in_request(message: str) -> str:
    """gettext inside a request; the Chinese source text outside (CLI, scheduler)."""
    if not message:
        return message
    from flask import has_request_context

    return gettext(message) if has_request_context() else message


@bp.route("/language", methods=["POST"])
def switch() -> ResponseReturnValue:
    lang = request.form.get("lang", "")
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target)
    if lang in LANGUAGES:
        session[COOKIE] = lang
        response.set_cookie(
            COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def local_date_text(value: date | datetime) -> str:
    """A date in the interface language: 2026年11月2日 or Nov 2, 2026."""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if is_chinese():
        return f"{value.year}年{value.month}月{value.day}日"
    return str(format_date(value, "medium"))  # Flask-Babel ships no types


def local_datetime_text(value: datetime) -> str:
    local = value.astimezone(LOCAL_TZ)
    if is_chinese():
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return str(format_datetime(value, "MMM d, y HH:mm"))


def compile_catalogs() -> None:
    """Compile each ``messages.po`` into ``messages.mo`` when it is missing or stale."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            tmp = mo.with_suffix(".mo.tmp")
            with tmp.open("wb") as f:
                write_mo(f, catalog, use_fuzzy=False)
            tmp.replace(mo)
        except OSError as e:  # read-only install: keep serving in Chinese
            log.warning("cannot compile %s: %s", po, e)
