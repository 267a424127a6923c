"""Per-person notification preferences: email on or off and immediate or digest delivery, for an
event, a group of events (`case.*`) or everything (`*`). Each person manages their own; admins
manage anyone's. Without a row: email on, delivery NOTIFICATION_DEFAULT_DELIVERY."""
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.services import model_apply
from notifications import registry
from notifications.choices import Delivery
from notifications.models import NotificationPreference

__all__ = [
    "Effective", "notification_preference_set", "notification_preference_update", "notification_preference_delete",
    "notification_preferences_effective", "notification_preferences_for",
]


@dataclass(frozen=True)
class Effective:
    email: bool
    delivery: str
    source: str  # the topic that decided it, or "default"


def default_preference() -> Effective:
    return Effective(email=True, delivery=settings.NOTIFICATION_DEFAULT_DELIVERY, source="default")


def notification_preferences_for(user_ids, event: str, *, cache: dict | None = None) -> dict[int, Effective]:
    """The effective preference of each user for one event, in one query (memoised in `cache`)."""
    wanted = [pk for pk in set(user_ids) if pk is not None and (cache is None or ("pref", pk, event) not in cache)]
    found: dict[int, Effective] = {}
    if wanted:
        topics = registry.topics_for(event)
        rows = NotificationPreference.objects.filter(user_id__in=wanted, topic__in=topics).values_list(
            "user_id", "topic", "email", "delivery"
        )
        best: dict[int, tuple[int, Effective]] = {}
        for user_id, topic, email, delivery in rows:
            rank = topics.index(topic)
            if user_id not in best or rank < best[user_id][0]:
                best[user_id] = (rank, Effective(email=email, delivery=delivery, source=topic))
        for pk in wanted:
            found[pk] = best[pk][1] if pk in best else default_preference()
            if cache is not None:
                cache[("pref", pk, event)] = found[pk]
    if cache is not None:
        return {pk: cache[("pref", pk, event)] for pk in set(user_ids) if pk is not None}
    return found


def notification_preferences_effective(*, user) -> list[dict]:
    """Every configurable event with what applies to `user` now and why (the API's `effective`)."""
    rows = {p.topic: p for p in NotificationPreference.objects.filter(user=user)}
    out = []
    for spec in registry.events():
        if not spec.configurable:
            continue
        chosen = next((rows[t] for t in registry.topics_for(spec.code) if t in rows), None)
        effective = (
            Effective(chosen.email, chosen.delivery, chosen.topic) if chosen is not None else default_preference()
        )
        if spec.mandatory:
            effective = Effective(True, Delivery.IMMEDIATE, "mandatory")
        out.append({
            "event": spec.code, "label": spec.label, "group": spec.group, "audiences": spec.audiences,
            "mandatory": spec.mandatory, "email": effective.email, "delivery": effective.delivery,
            "source": effective.source,
        })
    return out


def _require_own_or_admin(actor, user) -> None:
    if actor is None or actor.pk == user.pk:
        return
    if not actor.has_perm("notifications.change_notificationpreference"):
        raise PermissionDenied("You manage only your own notification preferences.")


def _check(preference: NotificationPreference) -> None:
    if not registry.topic_valid(preference.topic):
        groups = ", ".join(f"{g}.*" for g in registry.groups())
        raise ValidationError(
            {"topic": f"'{preference.topic}' is not an event code, a group ({groups}) or *."}
        )
    spec = registry.event(preference.topic)
    if spec is not None and spec.mandatory and not preference.email:
        raise ValidationError({"email": f"'{spec.label}' is mandatory and cannot be switched off."})


@transaction.atomic
def notification_preference_set(*, actor, user, topic: str, email: bool = True,
                                 delivery: str = Delivery.IMMEDIATE) -> NotificationPreference:
    """Create the user's preference for a topic (400 if one exists: change it instead)."""
    _require_own_or_admin(actor, user)
    preference = NotificationPreference(user=user, topic=(topic or "").strip(), email=email, delivery=delivery)
    _check(preference)
    preference.full_clean()
    preference.save()
    return preference


@transaction.atomic
def notification_preference_update(*, actor, instance: NotificationPreference, **fields) -> NotificationPreference:
    preference = NotificationPreference.objects.select_for_update().select_related("user").get(pk=instance.pk)
    _require_own_or_admin(actor, preference.user)
    refused = sorted(set(fields) - {"email", "delivery", "topic", "user"})
    if refused:
        raise ValidationError({name: "This field cannot be changed." for name in refused})
    if "user" in fields and fields["user"].pk != preference.user_id:
        raise ValidationError({"user": "A preference stays with its person."})
    model_apply(preference, {k: v for k, v in fields.items() if k in ("email", "delivery", "topic")})
    _check(preference)
    preference.save()
    return preference


@transaction.atomic
def notification_preference_delete(*, actor, instance: NotificationPreference) -> None:
    """Back to what the group, `*` or the default says."""
    _require_own_or_admin(actor, instance.user)
    NotificationPreference.objects.filter(pk=instance.pk).delete()
