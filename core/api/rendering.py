"""Faster rendering of read rows, with exactly DRF's output.

DRF renders a row by deep-copying every declared field for each serializer instance (about 50 for
a case), then calling `field.get_attribute()` and `field.to_representation()` on each. For most
fields of a model both steps are trivial, so `FastReadMixin` works from a plan made once per
serializer class:

- plain columns (a relation's id, a string, a number, a boolean, a choice, JSON): the attribute
  as it is;
- datetimes with DRF's default ISO 8601 output: converted to the current time zone and
  formatted exactly as `DateTimeField.to_representation` does;
- `SerializerMethodField`: the serializer's method, called directly;
- `SlugRelatedField` read from a loaded relation: the related object's attribute;
- anything else: DRF's own field, deep-copied and bound only when such a field exists.

`tests/core/test_fast_rendering.py` checks the output against DRF's for every field.
"""
import copy
import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import relations
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings

_PLAIN = (
    drf_fields.CharField, drf_fields.IntegerField, drf_fields.BooleanField, drf_fields.ChoiceField,
    drf_fields.JSONField, drf_fields.ReadOnlyField,
)
_PLAIN_MODEL = (
    models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.JSONField,
    models.AutoField, models.BigAutoField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField, models.SmallIntegerField, models.BigIntegerField,
)
PLAIN, DATETIME, METHOD, SLUG, DRF = "plain", "datetime", "method", "slug", "drf"


def _model_field(serializer_class, source):
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is None:
        return None, None
    try:
        return model, model._meta.get_field(source)
    except FieldDoesNotExist:
        return model, None


def _attname(serializer_class, field) -> str | None:
    """The instance attribute that holds exactly what DRF would output for `field`, or None."""
    source = field.source
    if not source or "." in source or source == "*":
        return None
    model, model_field = _model_field(serializer_class, source)
    if model is None:
        return None
    if model_field is None:
        # `customer_project = IntegerField(source="customer_project_id")`: a concrete column.
        concrete = {f.attname: f for f in model._meta.concrete_fields}
        model_field = concrete.get(source)
        if model_field is None or not _plain_type(field):
            return None
        return model_field.attname if isinstance(model_field, (*_PLAIN_MODEL, models.ForeignKey)) else None
    if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None:
        if isinstance(model_field, models.ForeignKey) and not model_field.many_to_many:
            return model_field.attname
        return None
    if _plain_type(field) and isinstance(model_field, _PLAIN_MODEL) and not model_field.is_relation:
        return model_field.attname
    return None


def _plain_type(field) -> bool:
    if type(field) is getattr(drf_fields, "BigIntegerField", None):  # DRF 3.16+: a string only if asked
        return not getattr(field, "coerce_to_string", getattr(api_settings, "COERCE_BIGINT_TO_STRING", False))
    return type(field) in _PLAIN


def _is_default_datetime(serializer_class, field) -> bool:
    if type(field) is not drf_fields.DateTimeField or hasattr(field, "timezone"):
        return False
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != drf_fields.ISO_8601:
        return False
    source = field.source
    if not source or "." in source or source == "*":
        return False
    _, model_field = _model_field(serializer_class, source)
    return isinstance(model_field, models.DateTimeField)


def _step(serializer_class, name, field) -> tuple:
    attname = _attname(serializer_class, field)
    if attname is not None:
        return (name, PLAIN, attname)
    if _is_default_datetime(serializer_class, field):
        return (name, DATETIME, field.source, drf_fields.DateTimeField())
    if type(field) is drf_fields.SerializerMethodField:
        return (name, METHOD, field.method_name or f"get_{name}")
    if (
        type(field) is relations.SlugRelatedField and field.source and "." not in field.source
        and field.source != "*" and isinstance(_model_field(serializer_class, field.source)[1], models.ForeignKey)
    ):
        return (name, SLUG, field.source, field.slug_field)
    return (name, DRF, None)


def iso_datetime(value: datetime.datetime, zone) -> str:
    """DRF's DateTimeField output for an aware datetime: ISO 8601 in `zone`, UTC as 'Z'."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class FastReadMixin:
    def get_fields(self):
        # ModelSerializer introspects the model to build its fields on every request; the result
        # depends only on the class, so build it once and hand each instance a fresh copy.
        return copy.deepcopy(self._field_template())

    @classmethod
    def _class_template(cls, build):
        template = cls.__dict__.get("_fields_template")
        if template is None:
            template = build()
            cls._fields_template = template
        return template

    def _field_template(self):
        return type(self)._class_template(lambda: super(FastReadMixin, self).get_fields())

    def _render_plan(self) -> list[tuple]:
        cls = type(self)
        plan = cls.__dict__.get("_fast_plan")
        if plan is None:
            # From bound fields (binding sets each field's source); kept per class, holding no
            # reference to this instance.
            plan = [_step(cls, name, field) for name, field in self.fields.items() if not field.write_only]
            cls._fast_plan = plan
        return plan

    def to_representation(self, instance):
        ret = {}
        values = instance.__dict__
        zone = None
        for step in self._render_plan():
            name, kind = step[0], step[1]
            if kind == PLAIN:
                attname = step[2]
                value = values[attname] if attname in values else getattr(instance, attname)
                ret[name] = value.value if isinstance(value, models.Choices) else value
            elif kind == DATETIME:
                value = values[step[2]] if step[2] in values else getattr(instance, step[2])
                if not value:
                    ret[name] = None
                elif isinstance(value, datetime.datetime) and timezone.is_aware(value):
                    zone = zone or timezone.get_current_timezone()
                    ret[name] = iso_datetime(value, zone)
                else:  # naive or text: DRF's own conversion (it needs no binding)
                    ret[name] = step[3].to_representation(value)
            elif kind == METHOD:
                ret[name] = getattr(self, step[2])(instance)
            elif kind == SLUG:
                related = getattr(instance, step[2])
                ret[name] = None if related is None else getattr(related, step[3])
            else:  # DRF's own path, with its bound field
                field = self.fields[name]
                try:
                    attribute = field.get_attribute(instance)
                except drf_fields.SkipField:
                    continue
                check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
                ret[name] = None if check is None else field.to_representation(attribute)
        return ret


class SimpleInputMixin:
    """For input serializers whose fields are all plain fields (no nested serializers): DRF
    deep-copies every declared field for each instance (re-creating each from its arguments: about
    1 ms for the 30 fields of a case). The fields are stateless until bound, so each instance gets
    shallow copies of an unbound set made once per class; binding sets only the copy's own
    attributes (name, parent, source)."""

    def get_fields(self):
        cls = type(self)
        template = cls.__dict__.get("_unbound_fields")
        if template is None:
            template = super().get_fields()
            nested = [name for name, field in template.items() if isinstance(field, BaseSerializer)]
            if nested:
                raise TypeError(f"{cls.__name__}: SimpleInputMixin takes plain fields only, not {nested}")
            cls._unbound_fields = template
        return {name: copy.copy(field) for name, field in template.items()}
