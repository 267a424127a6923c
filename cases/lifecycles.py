"""The lifecycles shipped with the product, as data. `lifecycle_install` writes one (idempotent);
the data migration installs both, and admins change them or add their own in the admin.

Standard: reference 2.1. Onboarding: reference 2.1's example of a case type with its own states
(New → Open → Awaiting Info → Under Review → Review Complete → Resolved → Closed)."""

AGENT, CUSTOMER, ANY = "agent", "customer", "any"
RESOLVE_FIELDS = ["resolution_code", "close_notes"]

STANDARD_STATES = [
    # code, label, category
    ("new", "New", "new"),
    ("open", "Open", "open"),
    ("awaiting_info", "Awaiting info", "awaiting"),
    ("resolved", "Resolved", "resolved"),
    ("closed", "Closed", "closed"),
    ("cancelled", "Cancelled", "cancelled"),
]


def _standard_transitions(work_states: list[str], resolve_from: list[str]) -> list[tuple]:
    # action, label, sources, target, actor, required fields
    return [
        ("assign-to-me", "Assign to me", ["new"], "open", AGENT, []),
        ("accept", "Accept", ["new"], "open", AGENT, []),
        ("request-info", "Request info", ["open"], "awaiting_info", AGENT, ["comment"]),
        ("info-received", "Info received", ["awaiting_info"], "open", AGENT, []),
        ("info-received", "Customer update", ["awaiting_info"], "open", CUSTOMER, []),
        ("propose-solution", "Propose solution", resolve_from, "resolved", AGENT, RESOLVE_FIELDS),
        ("accept-solution", "Accept solution", ["resolved"], "closed", CUSTOMER, []),
        ("reject-solution", "Reject solution", ["resolved"], "open", CUSTOMER, ["reason"]),
        ("close", "Close case", ["new", *work_states], "closed", AGENT, RESOLVE_FIELDS),
        ("close", "Close case", ["new", *work_states], "closed", CUSTOMER, []),
        ("cancel", "Cancel", ["new"], "cancelled", AGENT, ["reason"]),
    ]


LIFECYCLES = {
    "standard": {
        "name": "Standard",
        "description": "The case lifecycle of reference 2.1.",
        "is_default": True,
        "states": STANDARD_STATES,
        "transitions": _standard_transitions(["open", "awaiting_info"], ["open", "awaiting_info"]),
    },
    "onboarding": {
        "name": "Onboarding",
        "description": "New customers: the work is reviewed before a solution is proposed.",
        "is_default": False,
        "states": STANDARD_STATES[:3]
        + [("under_review", "Under review", "open"), ("review_complete", "Review complete", "open")]
        + STANDARD_STATES[3:],
        "transitions": _standard_transitions(
            ["open", "awaiting_info", "under_review", "review_complete"], ["review_complete"]
        )
        + [
            ("submit-for-review", "Submit for review", ["open"], "under_review", AGENT, ["comment"]),
            ("complete-review", "Complete review", ["under_review"], "review_complete", AGENT, []),
            ("return-to-work", "Return to work", ["under_review"], "open", AGENT, ["comment"]),
        ],
    },
}


def lifecycle_install(code: str, apps=None):
    """Create the lifecycle `code` of LIFECYCLES with its states and transitions, adding only what
    is missing (works with a migration's historical models or the live ones)."""
    if apps is None:
        from django.apps import apps
    Lifecycle = apps.get_model("cases", "Lifecycle")
    State = apps.get_model("cases", "LifecycleState")
    Transition = apps.get_model("cases", "LifecycleTransition")
    spec = LIFECYCLES[code]
    lifecycle, _ = Lifecycle.objects.get_or_create(
        code=code,
        defaults={"name": spec["name"], "description": spec["description"], "is_default": spec["is_default"]},
    )
    states = {}
    for order, (state_code, label, category) in enumerate(spec["states"]):
        states[state_code], _ = State.objects.get_or_create(
            lifecycle=lifecycle,
            code=state_code,
            defaults={"label": label, "category": category, "order": order * 10, "is_initial": order == 0},
        )
    for order, (action, label, sources, target, actor, required) in enumerate(spec["transitions"]):
        for source in sources:
            Transition.objects.get_or_create(
                lifecycle=lifecycle,
                action=action,
                source=states[source],
                actor=actor,
                defaults={"label": label, "target": states[target], "required_fields": required, "order": order * 10},
            )
    return lifecycle
