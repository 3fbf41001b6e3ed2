"""Flask extensions, created unbound and initialised in create_app()."""

import time
from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from transfers.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()

# The base class of every model. At runtime it is `db.Model`, which Flask-SQLAlchemy
# builds from `Base` plus its `Model` mixin (query, bind key, table names); mypy cannot
# follow a class made at runtime (pallets-eco/flask-sqlalchemy#1186, python/mypy#8603),
# so the type checker is shown the same two bases written out.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        __abstract__ = True

else:
    Model = db.Model

from flask_limiter import Limiter  # noqa: E402
from flask_limiter.util import get_remote_address  # noqa: E402

limiter = Limiter(get_remote_address, default_limits=[])  # storage: RATELIMIT_STORAGE_URI


def retry_after() -> int:
    """Seconds until the rate limit this request breached resets, for a 429's Retry-After
    header and the wait it states: the reset time of Flask-Limiter's `current_limit` (the
    breached limit, after a breach); a minute when no limit applied."""
    breached = limiter.current_limit
    return max(1, breached.reset_at - int(time.time())) if breached else 60
