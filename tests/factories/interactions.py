"""Interactions, opened through the intake service (numbers and the transcript's first lines are
real) in their initial state: new, or on hold when a group is given."""
import factory
from factory.django import DjangoModelFactory

from interactions.models import Interaction

__all__ = ["InteractionFactory"]


class InteractionFactory(DjangoModelFactory):
    class Meta:
        model = Interaction

    type = "chat"
    short_description = factory.Sequence(lambda n: f"Conversation {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from interactions.services import interaction_open

        interaction, _ = interaction_open(actor=None, **kwargs)
        return interaction
