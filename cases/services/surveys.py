"""The customer satisfaction survey: one per case, ever (reference 6: offered after the customer
accepts the solution or closes the case; skippable). We offer it while the case is resolved or
closed, to the customer side only; a second answer is refused with 409.

Answering records on the timeline (decision, docs/architecture.md "Portal: the catalog ..."):
a customer-visible entry with the rating ("Satisfaction survey answered: 4/5"), which confirms it
to everyone on the customer side, and, when there is a comment, an internal entry with it.
The comment is feedback addressed to the service organisation (often about the agent who
worked the case); agents read it on the timeline and in the survey panel, while the case's
other readers on the customer side (colleagues, customer admins, partners) do not get it pushed
into the activity they follow."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cases import events, permissions
from cases.choices import Actor, EventKind, StateCategory
from cases.models import Case, CaseSurvey
from core.exceptions import Conflict

__all__ = ["case_survey_submit", "case_survey_offered"]

SURVEY_STATES = (StateCategory.RESOLVED, StateCategory.CLOSED)


def case_survey_offered(case: Case, user, *, answered: bool | None = None) -> bool:
    """Whether the page should offer the survey to this user now. `answered`: whether the case's
    survey exists, when the caller has just read it (the case page), so it is not read again."""
    if answered is None:
        answered = case.state_category in SURVEY_STATES and CaseSurvey.objects.filter(case_id=case.pk).exists()
    return (
        case.state_category in SURVEY_STATES
        and not answered
        and permissions.actor_kind(user, case) == Actor.CUSTOMER
    )


@transaction.atomic
def case_survey_submit(*, actor, case: Case, rating, comment: str = "") -> CaseSurvey:
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if permissions.actor_kind(actor, case) != Actor.CUSTOMER:
        raise PermissionDenied("Only the customer side answers the satisfaction survey.")
    if case.state_category not in SURVEY_STATES:
        raise Conflict(f"The survey opens once {case.number} is resolved or closed.")
    if CaseSurvey.objects.filter(case=case).exists():
        raise Conflict(f"The survey of {case.number} has already been answered.")
    try:
        rating = 0 if isinstance(rating, bool) else int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": "Rate from 1 (poor) to 5 (excellent)."})
    try:
        with transaction.atomic():
            survey = CaseSurvey.objects.create(
                case=case, respondent=actor, rating=rating, comment=(comment or "").strip()
            )
    except IntegrityError:  # the row lock makes this unlikely; the unique case keeps it true
        raise Conflict(f"The survey of {case.number} has already been answered.") from None
    _record(case, survey, actor)
    return survey


def _record(case: Case, survey: CaseSurvey, actor) -> None:
    """The timeline entries of an answer (see the module's doc). The case's version is left alone:
    a closed case stays as it was, and an agent's open edit form is not made stale by feedback."""
    events.case_event_record(
        case=case, kind=EventKind.SURVEY, actor=actor, customer_visible=True,
        body=f"Satisfaction survey answered: {survey.rating}/5",
    )
    if survey.comment:
        events.case_event_record(
            case=case, kind=EventKind.SURVEY, actor=actor, customer_visible=False,
            body=f"Survey comment ({survey.rating}/5): {survey.comment}",
        )
