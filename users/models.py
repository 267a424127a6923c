import functools
import hashlib
import zoneinfo

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.choices import Channel
from core.models import TimeStampedModel
from users.choices import Presence


def password_fingerprint(encoded_password: str) -> str:
    """What an API token remembers of the password it was obtained with (ApiToken.password_digest)."""
    return hashlib.sha256((encoded_password or "").encode()).hexdigest()


def api_token_digest(key: str) -> str:
    """What is kept of an API token's key (ApiToken.digest): the key is long and random, so a
    plain SHA-256 is enough and stays one indexed lookup."""
    return hashlib.sha256(key.encode()).hexdigest()


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # walks the tz database: ~70 ms, so once


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(f"'{value}' is not a known time zone (use an IANA name like Europe/Paris).")


class User(AbstractUser):
    """Everyone who logs in: agents, managers, admins, contacts and consumers. What a user may do
    comes from their roles (Groups, see users/roles.py) and per-object grants (guardian)."""

    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    phone = models.CharField(max_length=40, blank=True)
    # Set with a temporary password (a portal registration approved, a login created by a customer
    # admin); every page redirects to the password change until the person picks their own.
    password_change_required = models.BooleanField(
        default=False, help_text="Must choose a new password at the next sign-in (a temporary one was mailed)."
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        for attr in ("_role_names", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            self.__dict__.pop(attr, None)  # roles and permissions may have changed too

    def check_password(self, raw_password) -> bool:
        before = self.password
        valid = super().check_password(raw_password)
        if valid and self.pk and self.password != before:
            # Django re-hashed the same password (a stronger hasher or more iterations): it is
            # not a new password, so the person's API tokens stay valid.
            ApiToken.objects.filter(user=self, password_digest=password_fingerprint(before)).update(
                password_digest=password_fingerprint(self.password)
            )
        return valid

    @property
    def roles(self) -> list[str]:
        from users.roles import user_roles

        return user_roles(self)


class AssignmentGroup(TimeStampedModel):
    """A team that cases are routed to (ServiceNow's assignment group)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_groups"
    )
    members = models.ManyToManyField(User, blank=True, related_name="assignment_groups")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Skill(TimeStampedModel):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentSkill(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agent_skills")
    level = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (novice) to 5 (expert)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "skill"], name="agentskill_unique_user_skill"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="agentskill_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.skill} ({self.level})"


class AgentPresence(models.Model):
    """An agent's availability for routed work. One row per agent."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="presence")
    status = models.CharField(max_length=16, choices=Presence.choices, default=Presence.OFFLINE)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_status_display()}"


class AgentChannelCapacity(models.Model):
    """How many open work items of one channel an agent takes at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="channel_capacities")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    max_items = models.PositiveSmallIntegerField(default=5)

    class Meta:
        verbose_name_plural = "agent channel capacities"
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="capacity_unique_user_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.channel}: {self.max_items}"


class ApiToken(models.Model):
    """A key for the REST API (`Authorization: Token <key>`). A person may hold several, each
    named and each expiring; the key itself is shown once, when made, and only its SHA-256 is kept
    (`digest`), with its first characters (`prefix`) to tell the tokens apart in lists.
    `password_digest` ties the token to the password it was obtained with: a token whose person
    has another password since is refused even if a path outside users.services changed it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="API token")
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key (the key is never stored).")
    password_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="apitoken_user_expires")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- django-axes' records, shown in the admin console under Users (users/admin/signin.py) -------
class LoginFailureCount(AccessAttempt):
    """Failed sign-ins still being counted: one row per username, address and browser. Deleting
    (the admin's "unlock" actions) lifts a lock-out at once; they expire by themselves."""

    class Meta:
        proxy = True
        verbose_name = "failed sign-in count"
        verbose_name_plural = "sign-in lock-outs and failure counts"


class LoginFailure(AccessFailureLog):
    """Every failed sign-in, kept for the record (the newest AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT per username)."""

    class Meta:
        proxy = True
        verbose_name = "failed sign-in"
        verbose_name_plural = "failed sign-ins (log)"


class LoginRecord(AccessLog):
    """Every successful sign-in through a sign-in page."""

    class Meta:
        proxy = True
        verbose_name = "sign-in"
        verbose_name_plural = "sign-ins (log)"
