"""Demo interactions for `manage.py seed_demo` (registered with cases.hooks.register_demo_seeder):
one or more in every state, on every channel, some identified by email or phone and some not,
two linked to cases (one created from its chat, one email linked to an existing case), so the
inbox, the list and the case panel have something to show. Idempotent: each story is keyed by its
external id and played only when its interaction is first opened."""
from cases.models import Case
from interactions import services
from interactions.choices import EndOutcome, EntryKind, WrapUpCode
from users.models import AssignmentGroup, User

SOURCE = "demo"

# (external id, type, opening fields, story). Story steps: (who, action, inputs); who is a demo
# username or "channel" (the chat or phone system).
STORIES = [
    ("chat-login", "chat", {"email": "dana.diaz@acme.example", "message": "Hi, I cannot log in to CloudSuite since this morning."},
     [("channel", "message", {"body": "It says my password expired, but the reset mail never comes."})]),
    ("call-unknown", "phone", {"phone": "+1 555 0199", "name": "Caller +1 555 0199", "group": "Tier 1",
                               "short_description": "Incoming call: billing question"}, []),
    ("mail-invoice", "email", {"email": "erin.eng@globex.example", "group": "Tier 1", "short_description": "Copy of invoice 2026-02, please",
                               "message": "Hello,\nCould you send us a copy of invoice 2026-02? Our copy was lost.\nErin"}, []),
    ("chat-printer", "chat", {"email": "connie@demo.example", "group": "Tier 1", "message": "My printer shows E3 again."},
     [("bob", "accept", {}),
      ("channel", "agent", {"body": "Hi Connie, did the sensor cleaning help last time?", "author": "bob"}),
      ("channel", "message", {"body": "It did, for two weeks. Now E3 is back."}),
      ("bob", "note", {"body": "Second E3 in a month: probably the sensor itself, not dust."})]),
    ("wa-dashboard", "messaging", {"email": "peter.gibbons@initech.example", "group": "Tier 1",
                                   "message": "Dashboard is empty again after last night's update"},
     [("alice", "accept", {}),
      ("channel", "agent", {"body": "Clearing the cache now, please reload in a minute.", "author": "alice"}),
      ("channel", "message", {"body": "Works again, thanks!"}),
      ("channel", "end", {"outcome": EndOutcome.COMPLETE})]),
    ("call-reset", "phone", {"phone": "+1 555 0100", "name": "Carl Cruz", "group": "Tier 1",
                             "short_description": "Password reset for a new employee"},
     [("alice", "accept", {}),
      ("alice", "note", {"body": "Verified Carl as Acme's IT head; reset done while on the phone."}),
      ("channel", "end", {"outcome": EndOutcome.COMPLETE}),
      ("alice", "close", {"wrap_up_code": WrapUpCode.RESOLVED, "notes": "Reset on the call."})]),
    ("chat-left", "chat", {"name": "Website visitor", "group": "Tier 1", "message": "hello? anyone there"},
     [("channel", "end", {"outcome": EndOutcome.ABANDONED, "reason": "The visitor closed the chat window."})]),
    ("mail-router", "email", {"email": "dana.diaz@acme.example", "group": "Tier 1",
                              "short_description": "Re: Router ACME-RTR-002 reboots at night",
                              "message": "It rebooted again at 02:14 last night. Log attached in the portal."},
     [("alice", "accept", {}), ("alice", "link", {"case": "Router ACME-RTR-002 reboots at night"})]),
    ("chat-vpn", "chat", {"email": "lea.laurent@acme.example", "group": "Tier 2",
                          "message": "The VPN client crashes on startup on three laptops in Lyon."},
     [("charlie", "accept", {}),
      ("channel", "agent", {"body": "Which client version do they run?", "author": "charlie"}),
      ("channel", "message", {"body": "5.1.0, installed yesterday by the update."}),
      ("charlie", "create-case", {"short_description": "VPN client 5.1.0 crashes on startup (Lyon)", "impact": 2, "urgency": 2})]),
    ("desk-badge", "walk_up", {"name": "Hank Scorpio", "short_description": "Walk-up: new badge for a visitor", "agent": "maria"},
     [("maria", "note", {"body": "Printing a visitor badge; back in five minutes."})]),
]


def seed_interactions_demo() -> int:
    users = {u.username: u for u in User.objects.filter(username__in=["alice", "bob", "charlie", "maria"])}
    groups = {g.name: g for g in AssignmentGroup.objects.filter(name__in=["Tier 1", "Tier 2"])}
    if len(users) < 4 or len(groups) < 2:
        return 0  # the base demo data is not there
    added = 0
    for external_id, kind, opening, story in STORIES:
        fields = dict(opening)
        group = groups.get(fields.pop("group", None))
        agent = users.get(fields.pop("agent", None))
        interaction, created = services.interaction_open(
            actor=None, type=kind, source=SOURCE, external_id=external_id, assignment_group=group, assigned_to=agent,
            message_id=f"{external_id}-1" if fields.get("message") else "", **fields,
        )
        if not created:
            continue
        added += 1
        for step, (who, action, inputs) in enumerate(story, start=2):
            added += _play(interaction, users, who, action, dict(inputs), f"{external_id}-{step}")
    return added


def _play(interaction, users, who, action, inputs, message_id) -> int:
    actor = users.get(who)
    if action == "message":
        services.interaction_message_append(actor=None, interaction=interaction, external_id=message_id, **inputs)
    elif action == "agent":
        author = users[inputs.pop("author")]
        services.interaction_message_append(
            actor=None, interaction=interaction, kind=EntryKind.AGENT, author=author,
            author_name=author.get_full_name(), external_id=message_id, **inputs,
        )
    elif action == "end":
        services.interaction_end(actor=None, interaction=interaction, **inputs)
    elif action == "accept":
        services.interaction_accept(actor=actor, interaction=interaction)
    elif action == "note":
        services.interaction_work_note_add(actor=actor, interaction=interaction, **inputs)
    elif action == "close":
        services.interaction_close(actor=actor, interaction=interaction, **inputs)
    elif action == "link":
        case = Case.objects.filter(short_description=inputs["case"]).first()
        if case is None:
            return 0
        services.interaction_link_case(actor=actor, interaction=interaction, case=case, close=True)
    elif action == "create-case":
        services.interaction_create_case(actor=actor, interaction=interaction, assigned_to=actor, **inputs)
        return 2  # the case and the link
    return 0
