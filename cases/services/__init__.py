"""Every write to cases, split by concern; import from here (`from cases import services`)."""
from cases.services.case_types import *  # noqa: F401,F403
from cases.services.cases import *  # noqa: F401,F403
from cases.services.journal import *  # noqa: F401,F403
from cases.services.lifecycle import *  # noqa: F401,F403
from cases.services.attachments import *  # noqa: F401,F403
from cases.services.lifecycle_admin import *  # noqa: F401,F403
from cases.services.work import *  # noqa: F401,F403,E402
from cases.services.parties import *  # noqa: F401,F403
from cases.services.templates import *  # noqa: F401,F403
from cases.services.slas import *  # noqa: F401,F403,E402
from cases.services.lists import *  # noqa: F401,F403,E402
from cases.services.limits import *  # noqa: F401,F403,E402
from cases.services.catalog_submit import *  # noqa: F401,F403,E402
from cases.services.surveys import *  # noqa: F401,F403,E402
