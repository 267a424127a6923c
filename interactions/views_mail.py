"""The held-mail page of the workspace (`/mail/held/`): messages held for an agent (unknown
senders, senders who may not write to the case they name) and quarantined ones (unreadable,
too big), with re-process, create a case for a contact, and discard. Internal only; reads go
through `selectors_mail`, every action calls one service with `actor=request.user`. Every form
posts and redirects (no JavaScript needed)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.exceptions import Conflict, InvalidTransition
from customers import selectors as customer_selectors
from interactions import permissions_mail, selectors_mail, services_mail
from interactions.choices import InboundState
from interactions.models import InboundMessage
from users.views import WorkspaceMixin, workspace_view

PAGE_SIZE = 50


def _text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, InvalidTransition):
        return f"Not possible while the message is {exc.state}."
    return getattr(exc, "detail", None) or str(exc) or "You may not do this."


class HeldMailView(WorkspaceMixin, TemplateView):
    template_name = "interactions/mail_held.html"

    def get_context_data(self, **kwargs):
        state = self.request.GET.get("state")
        state = state if state in selectors_mail.TRIAGE_STATES else ""
        rows = list(selectors_mail.inbound_triage_list_for_user(user=self.request.user, state=state or None)[: PAGE_SIZE + 1])
        return {
            **super().get_context_data(**kwargs),
            "rows": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "state": state,
            "states": [(s.value, s.label) for s in selectors_mail.TRIAGE_STATES],
            "can_handle": permissions_mail.can_handle_inbound(self.request.user),
            "held": InboundState.HELD, "quarantined": InboundState.QUARANTINED,
            "failing_mailboxes": selectors_mail.mailboxes_failing_for_user(user=self.request.user),
            "stuck": selectors_mail.mail_stuck_count_for_user(user=self.request.user),
        }


def _message(request, pk: int) -> InboundMessage:
    try:
        return selectors_mail.inbound_get_for_user(user=request.user, pk=pk)
    except InboundMessage.DoesNotExist:
        raise Http404("No such message.") from None


def _back(request):
    return redirect("interactions:mail-held")


@require_POST
@workspace_view
def held_reprocess(request, pk: int):
    message = _message(request, pk)
    try:
        message = services_mail.inbound_reprocess(actor=request.user, message=message)
        messages.success(request, f"Re-processed: {message.get_state_display().lower()}. {message.reason}")
    except (ValidationError, Conflict) as exc:
        messages.error(request, _text(exc))
    return _back(request)


@require_POST
@workspace_view
def held_discard(request, pk: int):
    message = _message(request, pk)
    try:
        services_mail.inbound_discard(actor=request.user, message=message, reason=request.POST.get("reason", "")[:200])
        messages.success(request, "Discarded.")
    except (ValidationError, Conflict) as exc:
        messages.error(request, _text(exc))
    return _back(request)


@require_POST
@workspace_view
def held_create_case(request, pk: int):
    """Create a case for the contact whose address the agent gives (an exact, unique match among
    the contacts the agent can see)."""
    message = _message(request, pk)
    address = (request.POST.get("contact_email") or "").strip()
    contacts = list(customer_selectors.contact_list_for_user(user=request.user).filter(email__iexact=address, active=True)[:2])
    if len(contacts) != 1:
        messages.error(request, f"No single active contact has the address {address!r}." if address else "Give the contact's address.")
        return _back(request)
    try:
        case = services_mail.inbound_create_case_for(actor=request.user, message=message, contact=contacts[0])
        messages.success(request, f"Case {case.number} opened for {contacts[0]}.")
    except (ValidationError, Conflict) as exc:
        messages.error(request, _text(exc))
    return _back(request)
