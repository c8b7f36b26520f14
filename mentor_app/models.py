"""Imports every model module so that `metadata` knows all tables (Alembic, tests)."""

from mentor_app.accounts import models as accounts_models  # noqa: F401
from mentor_app.audit import models as audit_models  # noqa: F401
from mentor_app.consults import models as consults_models  # noqa: F401
from mentor_app.dashboard import models as dashboard_models  # noqa: F401
from mentor_app.db import Base
from mentor_app.notifications import models as notifications_models  # noqa: F401
from mentor_app.playbooks import models as playbooks_models  # noqa: F401
from mentor_app.pool import models as pool_models  # noqa: F401
from mentor_app.relay import models as relay_models  # noqa: F401
from mentor_app.safety import models as safety_models  # noqa: F401
from mentor_app.worker import alarm as worker_alarm_models  # noqa: F401
from mentor_app.worker import heartbeats as worker_models  # noqa: F401

metadata = Base.metadata
