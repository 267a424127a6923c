"""Case events and their messages: each change tells the right people once, never its author; a
work note or an internal field never reaches a customer message; case mail threads by case."""
import datetime

import pytest
from django.db import transaction

from cases import notify_templates, services
from cases.models import Case, CaseTypeField
from cases.services import autoclose, escalations, notify
from customers import services as customer_services
from notifications import registry
from notifications import services as outbox
from notifications.choices import Audience, Delivery
from notifications.models import Notification, NotificationTemplate
from tests.cases.conftest import act, run_followups
from tests.factories import CaseTypeFactory

pytestmark = pytest.mark.django_db
C, I = Audience.CUSTOMER, Audience.INTERNAL
SECRET = "SECRET-7f3a"


def sent_since(mark: int, case=None) -> list[tuple[str, str, str]]:
    """(event, who, audience) of the rows written after `mark`, in order (once the after-commit
    follow-ups have run: the "case opened" mail)."""
    run_followups()
    rows = Notification.objects.filter(pk__gt=mark).select_related("recipient").order_by("id")
    if case is not None:
        rows = rows.filter(related=f"cases.case:{case.pk}")
    return [(r.event, r.recipient.username if r.recipient else r.to_address, r.audience) for r in rows]


def mark() -> int:
    run_followups()  # what earlier creations left for after commit is written before the mark
    return Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def working(world):
    """Dana's case, opened by the manager, assigned to Alice, who accepted it (state open)."""
    case = services.case_create(
        actor=world.users["manager"], short_description="Printer jams", contact=world.contacts["customer"],
        assignment_group=world.group, assigned_to=world.users["agent"],
    )
    return act(world, "agent", case, "accept")


@pytest.fixture
def crowd(world, working):
    """Watchers on both sides and a listed contact without a login."""
    lee = customer_services.contact_create(actor=None, account=world.account, first_name="Lee", last_name="Listed",
                                           email="lee@example.com")
    services.case_party_add(actor=world.users["agent"], case=working, party_type="listed_contact", contact=lee)
    services.case_watch_add(actor=world.users["customer_admin"], case=working)
    services.case_watch_add(actor=world.users["manager"], case=working)
    return working


# --- creation and assignment ----------------------------------------------------------------------
def test_an_agent_opening_a_case_for_a_customer_tells_the_customer_only(world):
    before = mark()
    case = services.case_create(actor=world.users["agent"], short_description="For Dana",
                                contact=world.contacts["customer"])
    assert sent_since(before, case) == [("case.created", "customer_dana", C)]


def test_a_customer_opening_their_own_case_is_not_told_of_it(world):
    before = mark()
    case = services.case_create(actor=world.users["customer"], short_description="Mine")
    assert sent_since(before, case) == []


def test_a_customer_admin_opening_a_case_for_a_contact_tells_the_contact(world):
    before = mark()
    case = services.case_create(actor=world.users["customer_admin"], short_description="For Dana",
                                contact=world.contacts["customer"])
    assert sent_since(before, case) == [("case.created", "customer_dana", C)]


def test_the_manager_assigning_a_case_tells_the_assignee(world):
    case = services.case_create(actor=world.users["customer"], short_description="Queue")
    before = mark()
    services.case_assign(actor=world.users["manager"], case=case, assignment_group=world.group,
                         assigned_to=world.users["agent"])
    assert sent_since(before, case) == [("case.assigned", "agent_alice", I)]
    row = Notification.objects.get(pk__gt=before)
    assert row.subject == f"[{case.number}] Assigned to you: Queue"
    assert f"assigned {case.number} to you" in row.body and "Group: Tier 1" in row.body


def test_opening_a_case_assigned_to_someone_else_tells_them(world, working):
    run_followups()
    events = Notification.objects.filter(related=f"cases.case:{working.pk}").values_list("event", "recipient__username")
    assert sorted(events) == [("case.assigned", "agent_alice"), ("case.created", "customer_dana")]


def test_taking_a_case_yourself_tells_nobody(world):
    case = services.case_create(actor=world.users["customer"], short_description="Mine")
    before = mark()
    act(world, "agent", case, "assign-to-me")
    assert sent_since(before, case) == []


# --- comments and work notes ----------------------------------------------------------------------
def test_an_agents_comment_reaches_the_customer_side_and_the_watchers_not_its_author(world, crowd):
    before = mark()
    services.case_comment_add(actor=world.users["agent"], case=crowd, body="Please restart it.")
    assert sorted(sent_since(before, crowd)) == [
        ("case.commented", "custadmin_carl", C),
        ("case.commented", "customer_dana", C),
        ("case.commented", "lee@example.com", C),
        ("case.commented", "manager_max", I),
    ]
    for row in Notification.objects.filter(pk__gt=before):
        assert "Please restart it." in row.body


def test_a_customers_comment_tells_the_assigned_agent(world, working):
    before = mark()
    services.case_comment_add(actor=world.users["customer"], case=working, body="Still jamming.")
    assert sent_since(before, working) == [("case.commented", "agent_alice", I)]


def test_a_work_note_tells_the_internal_side_only(world, crowd):
    before = mark()
    services.case_work_note_add(actor=world.users["manager"], case=crowd, body=f"Check firmware {SECRET}")
    assert sent_since(before, crowd) == [("case.work_noted", "agent_alice", I)]
    before = mark()
    services.case_work_note_add(actor=world.users["agent"], case=crowd, body="Noted")
    assert sent_since(before, crowd) == [("case.work_noted", "manager_max", I)]


# --- lifecycle actions ----------------------------------------------------------------------------
def test_requesting_info_tells_the_customer_and_their_answer_tells_the_agent_once(world, working):
    before = mark()
    act(world, "agent", working, "request-info", comment="Which firmware version?")
    assert sent_since(before, working) == [("case.info_requested", "customer_dana", C)]
    assert "Which firmware version?" in Notification.objects.get(pk__gt=before).body

    before = mark()
    services.case_comment_add(actor=world.users["customer"], case=working, body="Version 2.0")
    assert sent_since(before, working) == [("case.commented", "agent_alice", I)]  # not also "reopened"


def test_a_proposed_solution_says_how_to_accept_or_reject_it(world, working, settings):
    settings.AUTO_CLOSE_ENABLED, settings.AUTO_CLOSE_DAYS = True, 10
    before = mark()
    act(world, "agent", working, "propose-solution", resolution_code="solved_fixed", close_notes="New firmware.")
    assert sent_since(before, working) == [("case.solution_proposed", "customer_dana", C)]
    body = Notification.objects.get(pk__gt=before).body
    assert "Accept the solution" in body and "Reject the solution" in body
    assert f"/portal/cases/{working.number}/" in body and "New firmware." in body
    assert "closes by itself after 10 days" in body


def test_accepting_the_solution_closes_the_case_and_tells_the_assignee_not_the_customer(world, working):
    act(world, "agent", working, "propose-solution", resolution_code="solved_fixed", close_notes="Done")
    before = mark()
    act(world, "customer", working, "accept-solution")
    assert sent_since(before, working) == [("case.closed", "agent_alice", I)]


def test_rejecting_the_solution_tells_the_assignee_why(world, working):
    act(world, "agent", working, "propose-solution", resolution_code="solved_fixed", close_notes="Done")
    before = mark()
    act(world, "customer_admin", working, "reject-solution", reason="Still jams on thick paper")
    assert sent_since(before, working) == [
        ("case.reopened", "customer_dana", C), ("case.reopened", "agent_alice", I),
    ]
    assert all("Still jams on thick paper" in r.body for r in Notification.objects.filter(pk__gt=before))


def test_an_agent_closing_or_cancelling_tells_the_customer(world, working):
    before = mark()
    act(world, "manager", working, "close", resolution_code="solved_fixed", close_notes="Fixed on site")
    assert sent_since(before, working) == [("case.closed", "customer_dana", C), ("case.closed", "agent_alice", I)]
    new = services.case_create(actor=world.users["agent"], short_description="Dup", contact=world.contacts["customer"])
    before = mark()
    act(world, "agent", new, "cancel", reason="Opened twice")
    assert sent_since(before, new) == [("case.cancelled", "customer_dana", C)]


def test_auto_close_tells_the_customer_the_case_closed(world, working):
    case = act(world, "agent", working, "propose-solution", resolution_code="solved_fixed", close_notes="Done")
    before = mark()
    later = case.resolved_at + datetime.timedelta(days=11)
    autoclose.auto_close_scan(now=later - datetime.timedelta(days=5))
    autoclose.auto_close_scan(now=later)
    assert sent_since(before, working) == [
        ("case.auto_close_reminder", "customer_dana", C), ("case.closed", "customer_dana", C),
        ("case.closed", "agent_alice", I),
    ]


def test_an_action_with_a_comment_but_no_message_of_its_own_sends_the_comment(world):
    case = services.case_create(actor=world.users["customer"], short_description="Q")
    before = mark()
    act(world, "agent", case, "assign-to-me", comment="Looking into it now.")
    assert sent_since(before, case) == [("case.commented", "customer_dana", C)]


# --- exactly once, same transaction ---------------------------------------------------------------
def test_a_retried_notification_is_not_written_twice(world, working):
    entry = services.case_comment_add(actor=world.users["agent"], case=working, body="Hello")
    before = mark()
    assert len(notify.notify_case_comment(working, entry, world.users["agent"])) == 1  # the existing row
    assert sent_since(before) == []


def test_messages_roll_back_with_the_change(world, working):
    before = mark()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.case_comment_add(actor=world.users["agent"], case=working, body="Lost")
            raise RuntimeError
    assert sent_since(before) == []


def test_messages_are_queued_only_after_commit(world, working, mocker, django_capture_on_commit_callbacks):
    delay = mocker.patch("notifications.tasks.send_notification_task.delay")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.case_comment_add(actor=world.users["agent"], case=working, body="Later")
    delay.assert_not_called()
    for callback in callbacks:
        callback()
    assert delay.call_count == 1


# --- threading ------------------------------------------------------------------------------------
def test_every_message_about_a_case_threads_under_the_case(world, crowd, settings):
    settings.NOTIFICATION_MESSAGE_ID_DOMAIN = "support.example.com"
    before = mark()
    services.case_comment_add(actor=world.users["agent"], case=crowd, body="One")
    act(world, "agent", crowd, "request-info", comment="Two")
    root = f"<case-{crowd.number}@support.example.com>"
    rows = Notification.objects.filter(related=f"cases.case:{crowd.pk}", pk__gt=before)
    assert rows.count() == 8  # Dana, Carl, Lee and Max, twice
    for row in rows:
        assert row.subject.startswith(f"[{crowd.number}] ")
        assert row.headers["In-Reply-To"] == root and row.headers["References"] == root
    assert len(set(rows.values_list("message_id", flat=True))) == rows.count()


# --- preferences ----------------------------------------------------------------------------------
def test_a_customer_who_wants_digests_gets_case_mail_held(world, working):
    dana = world.users["customer"]
    outbox.notification_preference_set(actor=dana, user=dana, topic="case.*", delivery=Delivery.DIGEST)
    before = mark()
    services.case_comment_add(actor=world.users["agent"], case=working, body="Held")
    assert Notification.objects.get(pk__gt=before).state == "held"


def test_an_agent_who_switched_comment_mail_off_gets_none(world, working):
    alice = world.users["agent"]
    outbox.notification_preference_set(actor=alice, user=alice, topic="case.commented", email=False)
    before = mark()
    services.case_comment_add(actor=world.users["customer"], case=working, body="Hello?")
    assert sent_since(before) == []


def test_an_admins_text_is_the_one_sent(world, working):
    template = NotificationTemplate.objects.get(event="case.commented", audience=C)
    outbox.notification_template_update(actor=world.users["admin"], instance=template,
                                        subject="Reply on {{ case.short_description }}", body="{{ comment }}")
    before = mark()
    services.case_comment_add(actor=world.users["agent"], case=working, body="Try again")
    row = Notification.objects.get(pk__gt=before)
    assert (row.subject, row.body) == (f"[{working.number}] Reply on Printer jams", "Try again\n")


# --- customers never read internal data -----------------------------------------------------------
@pytest.fixture
def secretive(world):
    """A case full of internal data: work notes at every step, an internal extra field (its label
    and its value), an assignment group whose name is secret."""
    group = world.group
    group.name = f"Group {SECRET}"
    group.save()
    case_type = CaseTypeFactory(code="secretive-notify")
    CaseTypeField.objects.create(case_type=case_type, name="risk", label=f"Risk {SECRET}", kind="text",
                                 customer_visible=False)
    CaseTypeField.objects.create(case_type=case_type, name="model", label="Model", kind="text")
    case = services.case_create(
        actor=world.users["manager"], short_description="Visible", contact=world.contacts["customer"],
        case_type=case_type, extra={"risk": SECRET, "model": "LJ-4000"}, assignment_group=group,
    )
    return case


def _customer_journey(world, case):
    a = world.users
    services.case_work_note_add(actor=a["manager"], case=case, body=f"Note {SECRET}")
    act(world, "manager", case, "assign-to-me", work_note=f"Taking it {SECRET}", comment="We are on it.")
    services.case_comment_add(actor=a["manager"], case=case, body="Public reply")
    act(world, "manager", case, "request-info", comment="Firmware?", work_note=f"Suspect {SECRET}")
    services.case_comment_add(actor=a["customer"], case=case, body="2.0")
    services.case_update(actor=a["manager"], instance=case, needs_attention=False)
    case = act(world, "manager", case, "propose-solution", resolution_code="solved_fixed", close_notes="Updated",
               work_note=f"Root cause {SECRET}")
    autoclose.case_auto_close_remind(case_id=case.pk, now=case.resolved_at + datetime.timedelta(days=5, minutes=1))
    act(world, "customer_admin", case, "reject-solution", reason="Not yet")
    escalations.escalation_request(actor=a["customer"], case=case, reason="lack_of_progress",
                                   justification="Please hurry")
    act(world, "manager", case, "propose-solution", resolution_code="solved_fixed", close_notes="Updated again")
    act(world, "customer", case, "accept-solution")


def _customer_rows(case):
    run_followups()
    rows = list(Notification.objects.filter(audience=C, related__in=[f"cases.case:{case.pk}"])
                | Notification.objects.filter(audience=C, event="escalation.approved"))
    return rows


def test_no_customer_message_carries_a_work_note_or_an_internal_field(world, secretive):
    _customer_journey(world, secretive)
    rows = _customer_rows(secretive)
    events = {r.event for r in rows}
    assert events >= {"case.created", "case.commented", "case.info_requested", "case.solution_proposed",
                      "case.auto_close_reminder", "case.reopened", "escalation.approved"}
    for row in rows:
        assert SECRET not in row.subject and SECRET not in row.body, (row.event, row.body)
    internal = Notification.objects.filter(audience=I, related=f"cases.case:{secretive.pk}")
    assert any(SECRET in r.body for r in internal)  # the same journey does carry them internally


def test_even_a_customer_template_written_to_leak_reads_nothing_internal(world, secretive):
    """An admin writes every internal variable name into every customer template: the customer
    context simply does not hold them."""
    internal_names = " ".join(
        "{{ %s }}" % name for name, _ in registry.flatten_variables(notify_templates.SAMPLE_INTERNAL_CASE, "case.")
    ) + " {{ work_note }} {{ case.fields }} {% for f in case.fields %}{{ f.label }}={{ f.value }} {% endfor %}"
    for template in NotificationTemplate.objects.filter(audience=C):
        template.body = f"{{{{ case.number }}}} {internal_names}"
        template.save()
    _customer_journey(world, secretive)
    rows = _customer_rows(secretive)
    assert len(rows) >= 7
    for row in rows:
        assert secretive.number in row.body
        assert SECRET not in row.body, (row.event, row.body)
    assert any("Model=LJ-4000" in r.body for r in rows)  # the customer-visible field does show


def test_the_sample_contexts_name_exactly_the_real_variables(world, working):
    case = Case.objects.get(pk=working.pk)
    assert set(notify.customer_case_context(case)) == set(notify_templates.SAMPLE_CUSTOMER_CASE)
    assert set(notify.internal_case_context(case)) == set(notify_templates.SAMPLE_INTERNAL_CASE)
    assert set(notify.sla_case_context(case)) == set(notify_templates.SAMPLE_SLA_CASE)


def test_the_customer_context_is_the_internal_one_minus_internal_fields(world, working):
    case = Case.objects.get(pk=working.pk)
    internal_only = set(notify.internal_case_context(case)) - set(notify.customer_case_context(case))
    assert internal_only == {"assignment_group", "assigned_to", "needs_attention", "sla_due", "consumer", "channel"}
