"""Every app's models module, imported so that Alembic and the tests see the whole store's metadata.

Each app adds one line here when it adds tables: ``from fugong.<app> import models as <app>  # noqa: F401``.
"""

from __future__ import annotations

from fugong.auth import models as auth  # noqa: F401
from fugong.enterprise import models as enterprise  # noqa: F401
from fugong.healthcode import models as healthcode  # noqa: F401
from fugong.healthcode.gate import models as gate  # noqa: F401
from fugong.hub import models as hub  # noqa: F401
from fugong.survey import models as survey  # noqa: F401
