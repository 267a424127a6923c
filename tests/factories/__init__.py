"""factory_boy factories for every model: rows in their initial state. Records whose fields are
derived (numbers, hierarchy paths) are created through their service, so they are real."""
from tests.factories.catalog import *  # noqa: F401,F403
from tests.factories.cases import *  # noqa: F401,F403
from tests.factories.cases_work import *  # noqa: F401,F403
from tests.factories.cases_templates import *  # noqa: F401,F403
from tests.factories.customers import *  # noqa: F401,F403
from tests.factories.users import *  # noqa: F401,F403
from tests.factories.cases_attachments import *  # noqa: F401,F403
from tests.factories.cases_admin import *  # noqa: F401,F403
from tests.factories.notifications import *  # noqa: F401,F403
from tests.factories.cases_slas import *  # noqa: F401,F403
from tests.factories.routing import *  # noqa: F401,F403
from tests.factories.cases_escalations import *  # noqa: F401,F403
from tests.factories.cases_lists import *  # noqa: F401,F403
from tests.factories.interactions import *  # noqa: F401,F403
from tests.factories.customers_portal import *  # noqa: F401,F403
from tests.factories.interactions_mail import *  # noqa: F401,F403
from tests.factories.users_signin import *  # noqa: F401,F403
