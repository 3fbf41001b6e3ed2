"""Translation hook for the pure workflow layer (no Flask imports here).

Labels (states, actions, fields, roles) are plain Chinese strings: the source language
of the user interface. They are collected for the catalog by
``transfers.i18n_extract`` and translated where they are shown. Messages built here
(validation errors) go through :func:`gettext`, which the application points at
Flask-Babel; outside an application it returns the Chinese text unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

_translate: Callable[[str], str] = lambda message: message  # noqa: E731


def set_translator(translate: Callable[[str], str]) -> None:
    global _translate
    _translate = translate


def gettext(message: str, **params: object) -> str:
    """Translate ``message`` and fill its ``%(name)s`` placeholders."""
    text = _translate(message)
    return text % params if params else text


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for the catalog without translating it now."""
    return message


_ = gettext
