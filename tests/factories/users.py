import factory
from factory.django import DjangoModelFactory

from core.choices import Channel
from users.choices import Presence
from users.models import AgentChannelCapacity, AgentPresence, AgentSkill, AssignmentGroup, Skill, User

__all__ = [
    "UserFactory", "AssignmentGroupFactory", "SkillFactory", "AgentSkillFactory", "AgentPresenceFactory",
    "AgentChannelCapacityFactory", "user_with_roles",
]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "pass")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


def user_with_roles(*roles: str, **fields) -> User:
    """A user holding `roles`, set through the users service (so is_staff etc. follow)."""
    from users.services import user_set_roles

    user = UserFactory(**fields)
    user_set_roles(actor=None, user=user, roles=roles)
    user.refresh_from_db()
    return user


class AssignmentGroupFactory(DjangoModelFactory):
    class Meta:
        model = AssignmentGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")


class AgentSkillFactory(DjangoModelFactory):
    class Meta:
        model = AgentSkill

    user = factory.LazyFunction(lambda: user_with_roles("agent"))
    skill = factory.SubFactory(SkillFactory)
    level = 3


class AgentPresenceFactory(DjangoModelFactory):
    class Meta:
        model = AgentPresence

    user = factory.LazyFunction(lambda: user_with_roles("agent"))
    status = Presence.OFFLINE


class AgentChannelCapacityFactory(DjangoModelFactory):
    class Meta:
        model = AgentChannelCapacity

    user = factory.LazyFunction(lambda: user_with_roles("agent"))
    channel = Channel.WEB
    max_items = 5
