"""The agent's inbox and the interaction pages (server-rendered; htmx swaps in place, and every
form also works without JavaScript: it posts and redirects).

Reads go through `interactions.selectors` (an interaction out of scope is a 404); every write
calls one service with `actor=request.user`, so the pages, the API and the admin share the rules.
"""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from cases import selectors as case_selectors
from cases import selectors_routing
from cases.services import routing as routing_services
from catalog import selectors as catalog_selectors
from core.exceptions import Conflict, InvalidTransition
from interactions import forms, permissions, selectors, selectors_mail, services
from core.choices import Channel
from interactions.choices import CASE_CHANNEL, EntryKind, InteractionState, InteractionType, WrapUpCode
from interactions.models import Interaction
from users import selectors as user_selectors
from users import services as user_services
from users.choices import Presence
from users.views import WorkspaceMixin, workspace_view

PAGE_SIZE = 25


def _error_text(exc) -> str:
    if isinstance(exc, InvalidTransition):
        allowed = ", ".join(exc.allowed) or "nothing"
        return f"{exc.detail}" if "Allowed now" in exc.detail else f"{exc.detail} Allowed now: {allowed}."
    if isinstance(exc, Conflict):
        return exc.detail
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You may not do this."


def _interaction(request, number: str) -> Interaction:
    try:
        return selectors.interaction_get_for_user(user=request.user, key=number)
    except Interaction.DoesNotExist:
        raise Http404("No such interaction.") from None


# --- the inbox -----------------------------------------------------------------------------------
def inbox_context(request) -> dict:
    user = request.user
    limit = selectors.INBOX_LIMIT
    offers = list(selectors.inbox_offers_for_user(user=user)[:limit])
    waiting = list(selectors.inbox_waiting_for_user(user=user)[: limit + 1])
    waiting_total, waiting_more = len(waiting), False
    if waiting_total > limit:
        waiting = waiting[:limit]
        waiting_total, waiting_more = selectors.capped_count(selectors.inbox_waiting_for_user(user=user))
    mine = list(selectors.inbox_mine_for_user(user=user)[:limit])
    return {
        "presence": selectors.agent_presence_status(user=user),
        "presence_choices": Presence.choices,
        "counters": selectors.inbox_capacity_counters(user=user, offers=offers, mine=mine),
        "offers": offers,
        "waiting": waiting,
        "waiting_total": waiting_total,
        "waiting_more": waiting_more,
        "mine": mine,
        "can_work": permissions.can_work_interactions(user),
    }


class InboxView(WorkspaceMixin, TemplateView):
    """Presence, capacity, case offers (accept / reject), interactions waiting, mine in progress."""

    template_name = "interactions/inbox.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **inbox_context(self.request)}


def _inbox_answer(request):
    if request.htmx:
        return render(request, "interactions/_inbox_body.html", {**inbox_context(request), "fragment": True})
    return redirect("interactions:inbox")


@workspace_view
def inbox_fragment(request):
    return render(request, "interactions/_inbox_body.html", {**inbox_context(request), "fragment": True})


@require_POST
@workspace_view
def inbox_presence(request):
    form = forms.PresenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose available, away or offline.")
        return _inbox_answer(request)
    try:
        user_services.agent_presence_set(actor=request.user, user=request.user, status=form.cleaned_data["status"])
        messages.success(request, f"You are {Presence(form.cleaned_data['status']).label.lower()}.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    return _inbox_answer(request)


def _offer(request, pk: int):
    offer = selectors_routing.case_offer_list_for_user(user=request.user).filter(pk=pk).first()
    if offer is None:
        raise Http404("No such offer.")
    return offer


@require_POST
@workspace_view
def offer_accept(request, pk: int):
    offer = _offer(request, pk)
    try:
        routing_services.case_offer_accept(actor=request.user, offer=offer)
        messages.success(request, f"{offer.case.number} is yours.")
    except (ValidationError, PermissionDenied, Conflict) as exc:
        messages.error(request, f"{offer.case.number}: {_error_text(exc)}")
    return _inbox_answer(request)


@require_POST
@workspace_view
def offer_reject(request, pk: int):
    offer = _offer(request, pk)
    form = forms.OfferRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{offer.case.number}: say why you reject it.")
        return _inbox_answer(request)
    try:
        routing_services.case_offer_reject(actor=request.user, offer=offer, reason=form.cleaned_data["reason"])
        messages.success(request, f"{offer.case.number} rejected; it goes to the next agent.")
    except (ValidationError, PermissionDenied, Conflict) as exc:
        messages.error(request, f"{offer.case.number}: {_error_text(exc)}")
    return _inbox_answer(request)


# --- the list ------------------------------------------------------------------------------------
class InteractionListView(WorkspaceMixin, TemplateView):
    """Every interaction (internal readers), newest first; filters state, type, mine, q."""

    template_name = "interactions/list.html"

    def get_context_data(self, **kwargs):
        form = forms.InteractionFilterForm(self.request.GET or None)
        qs = selectors.interaction_list_rows_for_user(user=self.request.user)
        if form.is_valid():
            data = form.cleaned_data
            if data["state"]:
                qs = qs.filter(state__in=data["state"])
            if data["type"]:
                qs = qs.filter(type=data["type"])
            if data["mine"]:
                qs = qs.filter(assigned_to=self.request.user)
            q = data["q"].strip()
            if q:
                qs = qs.filter(number=q.upper()) if q.upper().startswith("IMS") else qs.filter(short_description__icontains=q)
        try:
            page = max(1, int(self.request.GET.get("page", "1")))
        except ValueError:
            page = 1
        count, capped = selectors.capped_count(qs)
        last_page = max(1, -(-count // PAGE_SIZE))
        page = min(page, last_page)
        rows = list(qs.order_by("-opened_at", "-id")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
        params = self.request.GET.copy()
        params.pop("page", None)
        base = params.urlencode()
        return {
            **super().get_context_data(**kwargs),
            "form": form, "rows": rows, "count": count, "capped": capped, "page": page, "last_page": last_page,
            "prev_url": f"?{base}&page={page - 1}" if page > 1 else "",
            "next_url": f"?{base}&page={page + 1}" if page < last_page else "",
            "states": InteractionState.choices, "types": InteractionType.choices,
            "selected_states": form.cleaned_data["state"] if form.is_valid() else [],
        }

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "interaction-results":
            return ["interactions/_list_rows.html"]
        return [self.template_name]


# --- the record ----------------------------------------------------------------------------------
def record_context(request, interaction: Interaction) -> dict:
    user = request.user
    allowed = services.interaction_allowed_actions(interaction, user)
    entries = list(selectors.interaction_entries_for_user(user=user, interaction=interaction))
    return {
        "interaction": interaction,
        "entries": entries,
        "message_count": sum(1 for e in entries if e.kind in (EntryKind.CUSTOMER, EntryKind.AGENT)),
        "note_count": sum(1 for e in entries if e.kind == EntryKind.WORK_NOTE),
        "links": list(selectors.interaction_cases_for_user(user=user, interaction=interaction)),
        "allowed": allowed,
        # The action forms are written out in the template (Django's widget rendering costs about
        # a millisecond a field); the forms of interactions/forms.py validate what they post.
        "hold_groups": (
            list(user_selectors.assignment_group_list_for_user(user=user).filter(active=True).values_list("pk", "name"))
            if "hold" in allowed else []
        ),
        "wrap_up_codes": WrapUpCode.choices,
        "is_email": interaction.type == InteractionType.EMAIL,
        "mail_files": (
            selectors_mail.interaction_mail_files_for_user(user=user, interaction=interaction)
            if interaction.type == InteractionType.EMAIL else []
        ),
        "url": reverse("interactions:interaction-detail", args=[interaction.number]),
    }


class InteractionDetailView(WorkspaceMixin, TemplateView):
    template_name = "interactions/detail.html"

    def get_context_data(self, **kwargs):
        interaction = _interaction(self.request, kwargs["number"])
        return {**super().get_context_data(**kwargs), **record_context(self.request, interaction)}


def _record_answer(request, number: str, *, next_page: str = ""):
    if next_page == "inbox":
        return _inbox_answer(request)
    if request.htmx:
        interaction = _interaction(request, number)
        return render(request, "interactions/_record.html", {**record_context(request, interaction), "fragment": True})
    return redirect("interactions:interaction-detail", number=number)


def _clean(form_class, request, **kwargs) -> dict:
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        raise ValidationError([f"{form.fields[name].label or name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs)
                               for name, errs in form.errors.items()])
    return form.cleaned_data


ACTIONS = ("accept", "hold", "wrap-up", "close", "work-note", "link-case")


@require_POST
@workspace_view
def interaction_action(request, number: str, action: str):
    """POST /interactions/<number>/<action>/: one command, one service."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    interaction = _interaction(request, number)
    user, next_page = request.user, request.POST.get("next", "")
    try:
        if action == "accept":
            services.interaction_accept(actor=user, interaction=interaction)
            done = f"{interaction.number} is yours."
        elif action == "hold":
            groups = user_selectors.assignment_group_list_for_user(user=user).filter(active=True)
            data = _clean(forms.HoldForm, request, groups=groups)
            services.interaction_hold(actor=user, interaction=interaction, **data)
            done = f"{interaction.number} is waiting in the queue."
        elif action == "wrap-up":
            data = _clean(forms.WrapUpForm, request, prefix="wrap")
            services.interaction_wrap_up(actor=user, interaction=interaction, **data)
            done = f"{interaction.number}: wrap up."
        elif action == "close":
            data = _clean(forms.CloseForm, request, prefix="close")
            services.interaction_close(actor=user, interaction=interaction, **data)
            done = f"{interaction.number} is closed."
        elif action == "work-note":
            data = _clean(forms.WorkNoteForm, request)
            services.interaction_work_note_add(actor=user, interaction=interaction, **data)
            done = "Work note added."
        else:
            data = _clean(forms.LinkCaseForm, request)
            case = selectors.case_by_key_for_user(user=user, key=data["case"])
            if case is None:
                raise ValidationError(f"There is no case {data['case']}.")
            services.interaction_link_case(actor=user, interaction=interaction, case=case, close=data["close"])
            done = f"{interaction.number} is linked to {case.number}."
        messages.success(request, done)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        messages.error(request, _error_text(exc))
    return _record_answer(request, interaction.number, next_page=next_page)


class InteractionCreateCaseView(WorkspaceMixin, TemplateView):
    """The "Create case" form, prefilled from the interaction; on success, the new case's page."""

    template_name = "interactions/create_case.html"

    def _form(self, interaction, data=None):
        user = self.request.user
        first = next(
            (e.body for e in selectors.interaction_transcript(interaction)[:20] if e.kind == EntryKind.CUSTOMER), ""
        )
        initial = {
            "short_description": interaction.short_description,
            "description": first,
            "assignment_group": interaction.assignment_group_id,
            "assign_to_me": True,
        }
        return forms.CreateCaseForm(
            data, initial=initial,
            case_types=case_selectors.case_type_list_for_user(user=user).filter(active=True).prefetch_related(None),
            products=catalog_selectors.product_list_for_user(user=user).filter(active=True),
            groups=user_selectors.assignment_group_list_for_user(user=user).filter(active=True),
        )

    def _page(self, interaction, form, status=200):
        allowed = services.interaction_allowed_actions(interaction, self.request.user)
        context = {"interaction": interaction, "form": form, "allowed": "create-case" in allowed,
                   "person": interaction.contact or interaction.consumer or interaction.account,
                   "case_channel": Channel(CASE_CHANNEL[interaction.type]).label}
        return self.render_to_response({**self.get_context_data(), **context}, status=status)

    def get(self, request, number):
        interaction = _interaction(request, number)
        return self._page(interaction, self._form(interaction))

    def post(self, request, number):
        interaction = _interaction(request, number)
        form = self._form(interaction, request.POST)
        if not form.is_valid():
            return self._page(interaction, form, status=400)
        data = dict(form.cleaned_data)
        email = data.pop("customer_email")
        party = {}
        if email and not (interaction.contact_id or interaction.consumer_id):
            party = services.identify_caller(email=email)
            if not party:
                form.add_error("customer_email", "No single active contact or consumer has this address.")
                return self._page(interaction, form, status=400)
        if data.pop("assign_to_me"):
            data["assigned_to"] = request.user
        try:
            case = services.interaction_create_case(actor=request.user, interaction=interaction, **data, **party)
        except ValidationError as exc:
            for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(name if name in form.fields else None, errors)
            return self._page(interaction, form, status=400)
        except (PermissionDenied, Conflict) as exc:
            messages.error(request, _error_text(exc))
            return redirect("interactions:interaction-detail", number=interaction.number)
        messages.success(request, f"{case.number} created from {interaction.number}, which is now closed.")
        url = f"/cases/{case.number}/"  # the case record page (cases:case-detail)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)

