"""Who may see and change routing (reference 3.2).

- Assignment rules: admins define them (`cases.add/change/delete_assignmentrule`); managers read
  them (`cases.supervise_routing`). Agents and the customer side do not see them.
- Offers: an agent sees the offers made to them, and only they accept or reject them; managers
  and admins (`cases.supervise_routing`) see every offer. Customers never see offers.
- Agent rankings and routing replays: managers and admins (`cases.supervise_routing`).
- "Route now" on a case: whoever works cases (`cases.work_case`).
"""
from django.core.exceptions import PermissionDenied

from cases.models import AssignmentRule, CaseOffer
from core import access

SUPERVISE = "cases.supervise_routing"


def can_supervise_routing(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(SUPERVISE))


def require_can_supervise_routing(user) -> None:
    if not can_supervise_routing(user):
        raise PermissionDenied("Only managers and admins supervise routing.")


def require_can_manage_assignment_rules(user, action: str = "change") -> None:
    if not (user and user.is_authenticated and user.has_perm(f"cases.{action}_assignmentrule")):
        raise PermissionDenied("Only admins define assignment rules.")


def require_can_answer_offer(user, offer: CaseOffer) -> None:
    if not user or not user.is_authenticated or offer.agent_id != user.pk:
        raise PermissionDenied("Only the agent the case is offered to accepts or rejects the offer.")


def require_can_route_case(user) -> None:
    if not (user and user.is_authenticated and user.has_perm("cases.work_case")):
        raise PermissionDenied("Only agents route cases.")


# --- access explanation --------------------------------------------------------------------------
class AssignmentRulePolicy(access.AccessPolicy):
    view_permission = SUPERVISE


class CaseOfferPolicy(access.AccessPolicy):
    view_permission = SUPERVISE

    def relation_reasons(self, obj, user):
        if obj.agent_id == user.pk:
            return [access.Reason("relation", "Is the agent the case is offered to.")]
        return []

    def relation_audience(self, obj):
        return [access.AudienceEntry("relation", "The agent the case is offered to.", users=[obj.agent.username], count=1)]


access.register(AssignmentRule, AssignmentRulePolicy())
access.register(CaseOffer, CaseOfferPolicy())
