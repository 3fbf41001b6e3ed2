"""Pages of a list that never 404: a page number past the end shows the last page."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from transfers.extensions import db


def clamped_page(query: Select[Any], *, per_page: int) -> Pagination:
    """The page of `query` asked for in the request's `page` argument. A page past the
    last one (a bookmark, the back button after the list shrank) shows the last page; a
    number that is not a page (0, -1, "abc") shows the first."""
    page = db.paginate(query, per_page=per_page, error_out=False)
    if page.page > 1 and not page.items and page.pages:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page
