import factory
from factory.django import DjangoModelFactory

from cases.models import TaskTemplate, TaskTemplateItem

__all__ = ["TaskTemplateFactory", "TaskTemplateItemFactory"]


class TaskTemplateFactory(DjangoModelFactory):
    """A Draft template (publish it through cases.services.task_template_publish)."""

    class Meta:
        model = TaskTemplate

    name = factory.Sequence(lambda n: f"Task template {n}")


class TaskTemplateItemFactory(DjangoModelFactory):
    class Meta:
        model = TaskTemplateItem

    template = factory.SubFactory(TaskTemplateFactory)
    short_description = factory.Sequence(lambda n: f"Step {n}")
