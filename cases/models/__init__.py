"""Cases' models, one module per concern; import them from here (`from cases.models import Case`)."""
from cases.models.case_types import CaseType, CaseTypeField  # noqa: F401
from cases.models.cases import (  # noqa: F401
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
)
from cases.models.lifecycles import Lifecycle, LifecycleState, LifecycleTransition  # noqa: F401
from cases.models.attachments import CaseAttachment  # noqa: F401
from cases.models.work import CaseBlocker, CaseLine, CaseTask  # noqa: F401,E402
from cases.models.parties import CaseMerge, CaseRelatedParty, PartyType  # noqa: F401
from cases.models.templates import (  # noqa: F401
    TaskTemplate,
    TaskTemplateApplication,
    TaskTemplateItem,
    TemplateState,
)
from cases.models.slas import SlaDefinition, SlaInterval, TaskSla  # noqa: F401,E402
from cases.models.routing import AgentRoutingState, AssignmentRule, CaseOffer, RoutingSkillRequirement  # noqa: F401
from cases.models.escalations import (  # noqa: F401
    CaseTimeEntry,
    EntitlementUsage,
    Escalation,
    EscalationTemplate,
)
from cases.models.lists import CaseListName, SavedCaseFilter  # noqa: F401,E402
from cases.models.portal import CaseSurvey, CatalogRequest  # noqa: F401,E402
