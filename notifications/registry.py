"""The catalogue of messages the product sends. An app registers each of its events at start-up
(its AppConfig.ready): the code, a label, the shipped default text per audience, a sample context
per audience (for the admin's preview and its list of variables) and whether the message is
mandatory. Notifications knows no other app; the apps above it describe their own messages here.

- Codes are `<group>.<name>` (`case.commented`, `sla.75`); a preference may name one code, a
  whole group (`case.*`) or everything (`*`).
- Mandatory messages ignore opt-outs, digests and the flood guard: they go out at once.
- `configurable=False` hides an event from preferences (the digest itself).
"""
from dataclasses import dataclass, field

from notifications.choices import Audience


@dataclass(frozen=True)
class DefaultText:
    subject: str
    body: str


@dataclass(frozen=True)
class EventSpec:
    code: str
    label: str
    texts: dict[str, DefaultText]
    samples: dict[str, dict] = field(default_factory=dict)
    mandatory: bool = False
    configurable: bool = True
    description: str = ""

    @property
    def group(self) -> str:
        return group_of(self.code)

    @property
    def audiences(self) -> list[str]:
        return [a for a in Audience.values if a in self.texts]

    def sample(self, audience: str) -> dict:
        return self.samples.get(audience, {})


_events: dict[str, EventSpec] = {}
_groups: dict[str, str] = {}
_reader_audience: list = []  # at most one function: user -> Audience (registered by the app that decides audiences)


def group_of(code: str) -> str:
    return code.split(".", 1)[0]


def register_group(code: str, label: str) -> None:
    _groups[code] = label


def register_event(spec: EventSpec) -> None:
    unknown = set(spec.texts) - set(Audience.values)
    if unknown:
        raise ValueError(f"{spec.code}: unknown audiences {sorted(unknown)}")
    if "." not in spec.code:
        raise ValueError(f"{spec.code}: an event code is <group>.<name>")
    _events[spec.code] = spec


def register_reader_audience(resolver) -> None:
    """`resolver(user) -> Audience`: whose texts a person reads today. The app that decides which
    audience each recipient gets (cases: staff get internal texts) registers it; notifications
    knows no roles."""
    _reader_audience[:] = [resolver]


def reader_audience(user) -> str:
    """The audience a person reads as now; without a resolver, the customer's (default deny)."""
    if not _reader_audience or user is None or not getattr(user, "is_authenticated", False):
        return Audience.CUSTOMER
    return _reader_audience[0](user)


def event(code: str) -> EventSpec | None:
    return _events.get(code)


def events() -> list[EventSpec]:
    return sorted(_events.values(), key=lambda spec: spec.code)


def groups() -> dict[str, str]:
    """Group code -> label, for every group that has a registered event."""
    present = {spec.group for spec in _events.values()}
    return {code: _groups.get(code, code.replace("_", " ").capitalize()) for code in sorted(present)}


def template_choices() -> list[tuple[str, str]]:
    return [(spec.code, f"{spec.label} ({spec.code})") for spec in events()]


def topic_valid(topic: str) -> bool:
    """A preference topic: `*`, `<group>.*` of a known group, or a configurable event's code."""
    if topic == "*":
        return True
    if topic.endswith(".*"):
        return topic[:-2] in groups()
    spec = event(topic)
    return spec is not None and spec.configurable


def topics_for(code: str) -> tuple[str, str, str]:
    """The preference topics that apply to one event, most specific first."""
    return code, f"{group_of(code)}.*", "*"


def flatten_variables(sample: dict, prefix: str = "") -> list[tuple[str, str]]:
    """[(variable, sample value)] as a template writes them: `case.number`, `comment`."""
    rows = []
    for key, value in sample.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += flatten_variables(value, prefix=f"{name}.")
        elif isinstance(value, list | tuple):
            rows.append((name, f"a list of {len(value)}" + (f": {', '.join(sorted(value[0]))}" if value and isinstance(value[0], dict) else "")))
        else:
            rows.append((name, str(value)))
    return rows


# The digest belongs to notifications itself: one message listing the messages held for a person.
_DIGEST_SAMPLE = {
    "count": 2,
    "period_end": "2026-06-01 10:00 UTC",
    "items": [
        {"subject": "[CS0000042] New comment on your case", "body": "Alice Agent wrote: ...", "created_at": "2026-06-01 09:12 UTC"},
        {"subject": "[CS0000043] Your case is resolved", "body": "We believe ...", "created_at": "2026-06-01 09:40 UTC"},
    ],
}
_DIGEST_BODY = """{{ count }} message{{ count|pluralize }} since your last digest (up to {{ period_end }}):
{% for item in items %}
--- {{ forloop.counter }}. {{ item.subject }} ({{ item.created_at }})

{{ item.body }}
{% endfor %}"""
register_group("notification", "Digests")
register_event(
    EventSpec(
        code="notification.digest",
        label="Digest of held messages",
        texts={
            Audience.CUSTOMER: DefaultText("Your case updates: {{ count }} message{{ count|pluralize }}", _DIGEST_BODY),
            Audience.INTERNAL: DefaultText("Digest: {{ count }} message{{ count|pluralize }}", _DIGEST_BODY),
        },
        samples={Audience.CUSTOMER: _DIGEST_SAMPLE, Audience.INTERNAL: _DIGEST_SAMPLE},
        mandatory=True,
        configurable=False,
        description="Sent by the beat once per digest period to each person with held messages.",
    )
)
