"""Interaction services: intake (identification, idempotency, follow-ups), every transition and
its refusals (409 naming the allowed actions, 403 for the wrong agent), case creation and
linking, and the email inactivity scan."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.choices import EventKind
from cases.models import Case
from core.exceptions import InvalidTransition
from customers import services as customer_services
from interactions import services
from interactions.choices import OPEN_STATES, EndOutcome, EntryKind, InteractionState, WrapUpCode
from interactions.models import Interaction, InteractionRelatedRecord
from tests.factories import user_with_roles

pytestmark = pytest.mark.django_db
S = InteractionState


def _kinds(interaction):
    return list(interaction.entries.order_by("created_at", "id").values_list("kind", flat=True))


def _reload(interaction):
    return Interaction.objects.get(pk=interaction.pk)


# --- intake --------------------------------------------------------------------------------------
def test_open_numbers_it_and_records_the_first_message(world):
    interaction, created = services.interaction_open(
        actor=world.users["agent"], type="chat", message="My printer is on fire", email="customer_dana@example.com"
    )
    assert created and interaction.number.startswith("IMS") and len(interaction.number) == 10
    assert interaction.state == S.NEW
    assert interaction.contact == world.contacts["customer"] and interaction.account == world.account
    assert interaction.opened_for == world.users["customer"]
    assert interaction.short_description == "My printer is on fire"
    assert _kinds(interaction) == [EntryKind.SYSTEM, EntryKind.CUSTOMER]


def test_open_identifies_a_contact_by_phone_in_another_format(world):
    contact = world.contacts["other_customer"]
    customer_services.contact_update(actor=None, instance=contact, phone="+1 555 0142")
    interaction, _ = services.interaction_open(actor=None, type="phone", phone="+15550142")
    assert interaction.contact_id is None  # "+15550142" is not a stored variant of "+1 555 0142"
    customer_services.contact_update(actor=None, instance=contact, phone="15550142")
    interaction, _ = services.interaction_open(actor=None, type="phone", phone="+1 (555) 0142")
    assert interaction.contact == contact and interaction.account == world.other_account


def test_open_leaves_an_ambiguous_email_unidentified(world):
    customer_services.contact_create(
        actor=None, account=world.other_account, first_name="Dana", last_name="Twin", email="customer_dana@example.com"
    )
    interaction, _ = services.interaction_open(actor=None, type="email", email="customer_dana@example.com", name="Dana")
    assert interaction.contact_id is None and interaction.caller_address == "customer_dana@example.com"
    assert interaction.caller_name == "Dana"


def test_open_identifies_a_consumer(world):
    consumer = customer_services.consumer_create(actor=None, first_name="Con", last_name="Sumer", email="con@example.com")
    interaction, _ = services.interaction_open(actor=None, type="messaging", email="CON@example.com")
    assert interaction.consumer == consumer and interaction.account_id is None


def test_open_refuses_a_contact_of_another_account(world):
    with pytest.raises(ValidationError) as exc:
        services.interaction_open(actor=None, type="chat", contact=world.contacts["customer"], account=world.other_account)
    assert "contact" in exc.value.message_dict


def test_open_is_idempotent_per_source_and_external_id(world):
    first, created = services.interaction_open(actor=None, type="chat", source="webchat", external_id="s-1", message="hi")
    again, created_again = services.interaction_open(actor=None, type="chat", source="webchat", external_id="s-1", message="hi")
    other, _ = services.interaction_open(actor=None, type="chat", source="pbx", external_id="s-1")
    assert created and not created_again and again.pk == first.pk and other.pk != first.pk
    assert first.entries.filter(kind=EntryKind.CUSTOMER).count() == 1


def test_open_into_a_queue_waits_on_hold_and_with_an_agent_is_in_progress(world):
    queued, _ = services.interaction_open(actor=None, type="phone", assignment_group=world.group)
    connected, _ = services.interaction_open(actor=None, type="phone", assigned_to=world.users["agent"])
    assert queued.state == S.ON_HOLD and queued.assigned_to_id is None
    assert connected.state == S.WORK_IN_PROGRESS and connected.assigned_to == world.users["agent"]


def test_open_refuses_an_agent_who_does_not_work_interactions(world):
    with pytest.raises(ValidationError):
        services.interaction_open(actor=None, type="phone", assigned_to=world.users["customer"])


@pytest.mark.parametrize("persona", ["customer", "partner", "other_customer"])
def test_customers_cannot_open_interactions(persona, world):
    with pytest.raises(PermissionDenied):
        services.interaction_open(actor=world.users[persona], type="chat")


def test_the_channel_integration_role_opens_appends_and_ends(world, integration):
    interaction, _ = services.interaction_open(actor=integration, type="chat", source="webchat", external_id="x")
    services.interaction_message_append(actor=integration, interaction=interaction, body="hello")
    ended = services.interaction_end(actor=integration, interaction=interaction, outcome=EndOutcome.ABANDONED)
    assert ended.state == S.CLOSED_ABANDONED and ended.closed_by_id is None


def test_channel_integration_is_held_alone(world):
    from users import services as user_services

    with pytest.raises(ValidationError):
        user_services.user_create(actor=None, username="bot2", roles=["channel_integration", "agent"])


# --- messages ------------------------------------------------------------------------------------
def test_append_records_once_per_message_id(open_interaction):
    interaction = open_interaction()
    first, target, created = services.interaction_message_append(actor=None, interaction=interaction, body="a", external_id="m1")
    again, _, created_again = services.interaction_message_append(actor=None, interaction=interaction, body="a", external_id="m1")
    assert created and not created_again and first.pk == again.pk and target.pk == interaction.pk
    assert interaction.entries.filter(kind=EntryKind.CUSTOMER).count() == 1


def test_append_moves_the_last_activity(open_interaction):
    interaction = open_interaction(type="email")
    before = _reload(interaction).last_activity_at
    services.interaction_message_append(actor=None, interaction=interaction, body="any news?")
    assert _reload(interaction).last_activity_at > before


def test_a_reply_to_a_closed_interaction_opens_a_follow_up_in_its_queue(world, open_interaction, acme_case):
    interaction = open_interaction(type="email", contact=world.contacts["customer"])
    services.interaction_link_case(actor=world.users["agent"], interaction=interaction, case=acme_case, close=True)
    entry, follow_up, _ = services.interaction_message_append(actor=None, interaction=interaction, body="Thanks, one more thing")
    assert follow_up.pk != interaction.pk and follow_up.parent_id == interaction.pk
    assert follow_up.state == S.ON_HOLD and follow_up.contact == world.contacts["customer"]
    assert entry.interaction_id == follow_up.pk
    assert list(follow_up.related_records.values_list("case_id", flat=True)) == [acme_case.pk]
    second, target, _ = services.interaction_message_append(actor=None, interaction=interaction, body="and another")
    assert target.pk == follow_up.pk  # the follow-up already open takes the next reply
    assert Interaction.objects.filter(parent=interaction).count() == 1


def test_a_repeated_message_id_after_the_close_is_not_a_new_follow_up(world, open_interaction):
    interaction = open_interaction()
    services.interaction_close(actor=world.users["agent"], interaction=interaction)
    services.interaction_message_append(actor=None, interaction=interaction, body="late", external_id="late-1")
    services.interaction_message_append(actor=None, interaction=interaction, body="late", external_id="late-1")
    assert Interaction.objects.filter(parent=interaction).count() == 1


def test_only_customers_reopen_a_closed_conversation(world, open_interaction):
    interaction = open_interaction()
    services.interaction_close(actor=world.users["agent"], interaction=interaction)
    with pytest.raises(InvalidTransition):
        services.interaction_message_append(actor=None, interaction=interaction, body="bye", kind=EntryKind.AGENT)


# --- the agent's transitions ---------------------------------------------------------------------
def test_accept_assigns_it_to_the_agent(world, open_interaction):
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    assert interaction.state == S.WORK_IN_PROGRESS and interaction.assigned_to == world.users["agent"]
    assert interaction.accepted_at is not None and interaction.accepted_by == world.users["agent"]


def test_accept_twice_is_refused_naming_the_allowed_actions(world, open_interaction):
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    with pytest.raises(InvalidTransition) as exc:
        services.interaction_accept(actor=world.users["agent"], interaction=interaction)
    assert exc.value.state == S.WORK_IN_PROGRESS
    assert exc.value.allowed == ["close", "create-case", "hold", "link-case", "work-note", "wrap-up"]


def test_an_agent_outside_the_queue_cannot_accept(world, open_interaction, outsider):
    with pytest.raises(PermissionDenied):
        services.interaction_accept(actor=outsider, interaction=open_interaction())


def test_an_interaction_in_no_queue_is_anyones(open_interaction, outsider):
    interaction = services.interaction_accept(actor=outsider, interaction=open_interaction(group=None))
    assert interaction.assigned_to == outsider


def test_a_supervisor_accepts_from_any_queue(world, open_interaction, tier2):
    interaction = open_interaction(group=tier2)
    assert services.interaction_accept(actor=world.users["manager"], interaction=interaction).state == S.WORK_IN_PROGRESS


def test_hold_queues_a_new_interaction(world, open_interaction):
    interaction = services.interaction_hold(actor=world.users["agent"], interaction=open_interaction(group=None))
    assert interaction.state == S.ON_HOLD


def test_hold_gives_it_back_to_another_groups_queue(world, open_interaction, tier2):
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    interaction = services.interaction_hold(actor=world.users["agent"], interaction=interaction, assignment_group=tier2, reason="Billing")
    assert interaction.state == S.ON_HOLD and interaction.assigned_to_id is None and interaction.assignment_group == tier2
    assert "Billing" in interaction.entries.last().body


def test_only_the_assignee_or_a_supervisor_finishes_the_work(world, open_interaction):
    colleague = user_with_roles("agent", username="agent_colleague")
    world.group.members.add(colleague)
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    for call in (services.interaction_hold, services.interaction_wrap_up, services.interaction_close):
        with pytest.raises(PermissionDenied):
            call(actor=colleague, interaction=interaction)
    assert services.interaction_close(actor=world.users["manager"], interaction=interaction).state == S.CLOSED_COMPLETE


def test_wrap_up_then_close_needs_a_code_and_measures_the_wrap_up(world, open_interaction):
    agent = world.users["agent"]
    interaction = services.interaction_accept(actor=agent, interaction=open_interaction())
    interaction = services.interaction_wrap_up(actor=agent, interaction=interaction)
    assert interaction.state == S.WRAP_UP and interaction.wrap_up_started_at is not None
    with pytest.raises(ValidationError) as exc:
        services.interaction_close(actor=agent, interaction=interaction)
    assert "wrap_up_code" in exc.value.message_dict
    interaction = services.interaction_close(actor=agent, interaction=interaction, wrap_up_code=WrapUpCode.RESOLVED, notes="ok")
    assert interaction.state == S.CLOSED_COMPLETE and interaction.wrap_up_code == "resolved"
    assert interaction.wrap_up_duration is not None and interaction.closed_by == agent


def test_a_wrap_up_code_given_at_wrap_up_is_enough_to_close(world, open_interaction):
    agent = world.users["agent"]
    interaction = services.interaction_accept(actor=agent, interaction=open_interaction())
    interaction = services.interaction_wrap_up(actor=agent, interaction=interaction, wrap_up_code="information")
    assert services.interaction_close(actor=agent, interaction=interaction).wrap_up_code == "information"


def test_wrap_up_is_only_from_work_in_progress(world, open_interaction):
    with pytest.raises(InvalidTransition) as exc:
        services.interaction_wrap_up(actor=world.users["agent"], interaction=open_interaction())
    assert "accept" in exc.value.allowed and "wrap-up" not in exc.value.allowed


def test_unknown_wrap_up_codes_are_refused(world, open_interaction):
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    with pytest.raises(ValidationError):
        services.interaction_wrap_up(actor=world.users["agent"], interaction=interaction, wrap_up_code="shrug")


def test_closing_unanswered_records_who_handled_it(world, open_interaction):
    interaction = services.interaction_close(actor=world.users["agent"], interaction=open_interaction(), wrap_up_code="no_action")
    assert interaction.state == S.CLOSED_COMPLETE and interaction.accepted_by == world.users["agent"]


def test_a_closed_interaction_refuses_every_transition(world, open_interaction):
    agent = world.users["agent"]
    interaction = services.interaction_close(actor=agent, interaction=open_interaction())
    for call in (services.interaction_accept, services.interaction_hold, services.interaction_wrap_up, services.interaction_close):
        with pytest.raises(InvalidTransition) as exc:
            call(actor=agent, interaction=interaction)
        assert exc.value.allowed == ["link-case", "work-note"]


def test_work_notes_are_internal_entries(world, open_interaction):
    interaction = open_interaction()
    entry = services.interaction_work_note_add(actor=world.users["agent"], interaction=interaction, body="Called back twice")
    assert entry.kind == EntryKind.WORK_NOTE and entry.author == world.users["agent"]
    with pytest.raises(ValidationError):
        services.interaction_work_note_add(actor=world.users["agent"], interaction=interaction, body="  ")
    with pytest.raises(PermissionDenied):
        services.interaction_work_note_add(actor=world.users["customer"], interaction=interaction, body="hi")


# --- the channel ends it -------------------------------------------------------------------------
def test_end_complete_moves_work_in_progress_to_wrap_up(world, open_interaction):
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    assert services.interaction_end(actor=None, interaction=interaction, outcome="complete").state == S.WRAP_UP


def test_end_complete_before_anyone_took_it_closes_it(open_interaction):
    assert services.interaction_end(actor=None, interaction=open_interaction(), outcome="complete").state == S.CLOSED_COMPLETE


def test_end_abandoned_closes_it_abandoned(world, open_interaction):
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    ended = services.interaction_end(actor=None, interaction=interaction, outcome="abandoned", reason="Line dropped")
    assert ended.state == S.CLOSED_ABANDONED and ended.close_reason == "Line dropped"


def test_ending_twice_changes_nothing(open_interaction):
    interaction = services.interaction_end(actor=None, interaction=open_interaction(), outcome="abandoned")
    count = interaction.entries.count()
    again = services.interaction_end(actor=None, interaction=interaction, outcome="complete")
    assert again.state == S.CLOSED_ABANDONED and again.entries.count() == count


# --- cases ---------------------------------------------------------------------------------------
def test_create_case_prefills_links_copies_the_conversation_and_closes(world, open_interaction):
    agent = world.users["agent"]
    interaction = open_interaction(type="phone", contact=world.contacts["customer"], short_description="Printer on fire")
    services.interaction_accept(actor=agent, interaction=interaction)
    services.interaction_message_append(actor=None, interaction=interaction, body="It smokes")
    case = services.interaction_create_case(actor=agent, interaction=interaction, assigned_to=agent)
    assert case.short_description == "Printer on fire" and case.channel == "phone"
    assert case.contact == world.contacts["customer"] and case.account == world.account
    assert case.assignment_group == world.group and case.assigned_to == agent
    note = case.events.get(kind=EventKind.WORK_NOTE)
    assert interaction.number in note.body and "It smokes" in note.body
    interaction = _reload(interaction)
    assert interaction.state == S.CLOSED_COMPLETE and interaction.wrap_up_code == WrapUpCode.CASE_CREATED
    assert list(interaction.related_records.values_list("case_id", flat=True)) == [case.pk]


@pytest.mark.parametrize(("kind", "channel"), [("walk_up", "walk_in"), ("messaging", "social"), ("email", "email"), ("chat", "chat")])
def test_the_case_channel_follows_the_interaction_type(kind, channel, world, open_interaction):
    interaction = open_interaction(type=kind, contact=world.contacts["customer"])
    assert services.interaction_create_case(actor=world.users["agent"], interaction=interaction).channel == channel


def test_create_case_for_an_unidentified_caller_needs_a_person(world, open_interaction):
    interaction = open_interaction(name="Someone")
    with pytest.raises(ValidationError):
        services.interaction_create_case(actor=world.users["agent"], interaction=interaction)
    assert _reload(interaction).state == S.ON_HOLD and not Case.objects.exists()
    case = services.interaction_create_case(actor=world.users["agent"], interaction=interaction, consumer=None, contact=world.contacts["other_customer"])
    assert _reload(interaction).contact == world.contacts["other_customer"] and case.account == world.other_account


def test_create_case_from_a_closed_interaction_is_refused(world, open_interaction):
    interaction = services.interaction_close(actor=world.users["agent"], interaction=open_interaction(contact=world.contacts["customer"]))
    with pytest.raises(InvalidTransition):
        services.interaction_create_case(actor=world.users["agent"], interaction=interaction)


def test_linking_a_chat_keeps_it_open(world, open_interaction, acme_case):
    interaction = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    record = services.interaction_link_case(actor=world.users["agent"], interaction=interaction, case=acme_case)
    again = services.interaction_link_case(actor=world.users["agent"], interaction=interaction, case=acme_case)
    assert record.pk == again.pk and _reload(interaction).state == S.WORK_IN_PROGRESS


def test_an_open_email_must_be_closed_complete_before_linking(world, open_interaction, acme_case):
    interaction = open_interaction(type="email")
    with pytest.raises(InvalidTransition) as exc:
        services.interaction_link_case(actor=world.users["agent"], interaction=interaction, case=acme_case)
    assert "closed complete" in exc.value.detail and not InteractionRelatedRecord.objects.exists()
    services.interaction_link_case(actor=world.users["agent"], interaction=interaction, case=acme_case, close=True)
    interaction = _reload(interaction)
    assert interaction.state == S.CLOSED_COMPLETE and interaction.wrap_up_code == WrapUpCode.CASE_LINKED
    assert interaction.related_records.get().case == acme_case


def test_a_closed_complete_email_links_and_an_abandoned_one_does_not(world, open_interaction, acme_case):
    done = services.interaction_close(actor=world.users["agent"], interaction=open_interaction(type="email"))
    services.interaction_link_case(actor=world.users["agent"], interaction=done, case=acme_case)
    gone = services.interaction_end(actor=None, interaction=open_interaction(type="email"), outcome="abandoned")
    with pytest.raises(InvalidTransition):
        services.interaction_link_case(actor=world.users["agent"], interaction=gone, case=acme_case)


def test_customers_cannot_link(world, open_interaction, acme_case):
    interaction = services.interaction_close(actor=world.users["agent"], interaction=open_interaction())
    with pytest.raises(PermissionDenied):
        services.interaction_link_case(actor=world.users["customer"], interaction=interaction, case=acme_case)


# --- allowed actions -----------------------------------------------------------------------------
def test_allowed_actions_follow_state_and_role(world, open_interaction, outsider):
    agent = world.users["agent"]
    interaction = open_interaction()
    assert services.interaction_allowed_actions(interaction, agent) == ["accept", "close", "create-case", "link-case", "work-note"]
    assert services.interaction_allowed_actions(interaction, outsider) == []
    assert services.interaction_allowed_actions(interaction, world.users["customer"]) == []
    new = open_interaction(group=None)
    assert "hold" in services.interaction_allowed_actions(new, agent)
    services.interaction_accept(actor=agent, interaction=interaction)
    assert services.interaction_allowed_actions(_reload(interaction), world.users["manager"]) == [
        "close", "create-case", "hold", "link-case", "work-note", "wrap-up",
    ]


# --- the beat: email inactivity ------------------------------------------------------------------
def test_inactivity_scan_closes_only_due_email_interactions(world, open_interaction, settings):
    settings.INTERACTION_EMAIL_INACTIVITY_DAYS = 5
    stale = open_interaction(type="email")
    working = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction(type="email"))
    chat = open_interaction(type="chat")
    done = services.interaction_close(actor=world.users["agent"], interaction=open_interaction(type="email"))
    later = timezone.now() + datetime.timedelta(days=5, minutes=1)
    fresh = open_interaction(type="email")
    Interaction.objects.filter(pk=fresh.pk).update(last_activity_at=later - datetime.timedelta(days=1))
    closed_at_before = _reload(done).closed_at
    assert services.interaction_inactivity_close_scan(now=later) == 2
    assert _reload(stale).state == _reload(working).state == S.CLOSED_COMPLETE
    assert _reload(stale).close_reason == "No activity for 5 days." and _reload(stale).closed_by_id is None
    assert _reload(chat).state == S.ON_HOLD and _reload(fresh).state == S.ON_HOLD
    assert _reload(done).closed_at == closed_at_before
    assert services.interaction_inactivity_close_scan(now=later) == 0  # a re-run closes nothing


def test_inactivity_scan_reads_only_due_rows(world, open_interaction):
    for _ in range(3):
        open_interaction(type="email")
    with CaptureQueriesContext(connection) as queries:
        assert services.interaction_inactivity_close_scan() == 0
    assert len(queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert "last_activity_at" in sql and "LIMIT" in sql.upper()


def test_the_inactivity_index_covers_the_scan():
    index = next(i for i in Interaction._meta.indexes if i.name == "interaction_email_inactive")
    assert index.fields == ["last_activity_at"]
    assert dict(index.condition.children) == {"type": "email", "state__in": [s.value for s in OPEN_STATES]}


def test_a_reply_after_the_inactivity_close_opens_a_follow_up(world, open_interaction):
    interaction = open_interaction(type="email", contact=world.contacts["customer"])
    services.interaction_inactivity_close_scan(now=timezone.now() + datetime.timedelta(days=6))
    _, follow_up, _ = services.interaction_message_append(actor=None, interaction=interaction, body="Still broken")
    assert follow_up.parent_id == interaction.pk and follow_up.type == "email"


def test_the_beat_task_runs_the_scan(open_interaction):
    from interactions.tasks import close_inactive_email_interactions_task

    open_interaction(type="email")
    assert close_inactive_email_interactions_task() == 0


def test_the_beat_schedules_the_scan():
    from config.celery import app

    entry = app.conf.beat_schedule["close-inactive-email-interactions"]
    assert entry["task"] == "interactions.tasks.close_inactive_email_interactions_task"
