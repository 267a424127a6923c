"""Every write to products, schedules, contracts, sold products, install base, assets,
entitlements, service definitions and catalog items. Each named service checks the actor's model
permission, validates the whole record (model rules in `clean`) and saves; nothing else writes.
Main records are deactivated, never deleted; only the parts of a record (schedule spans,
holidays, catalog-item variables) have delete services."""
import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction

from catalog import hooks
from catalog.choices import VariableKind
from catalog.models import (
    Asset,
    CatalogItem,
    CatalogItemVariable,
    Contract,
    Entitlement,
    Holiday,
    InstallBaseItem,
    Product,
    Schedule,
    ScheduleSpan,
    ServiceDefinition,
    SoldProduct,
    service_id_from_name,
)
from core.numbers import number_next
from core.services import model_apply


def _require(actor, model: type[models.Model], verb: str) -> None:
    perm = f"catalog.{verb}_{model._meta.model_name}"
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(f"You cannot {verb} {model._meta.verbose_name_plural}.")


def _split_m2m(model: type[models.Model], data: dict) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    plain = {k: v for k, v in data.items() if k not in m2m_names}
    return plain, {k: v for k, v in data.items() if k in m2m_names}


def _create(model: type[models.Model], actor, data: dict, **preset) -> models.Model:
    _require(actor, model, "add")
    plain, m2m = _split_m2m(model, data)
    # Built from the data, then validated: model_apply compares each field with its current
    # value first, and reading an unset required foreign key of a new row raises.
    instance = model(**preset, **plain)
    model_apply(instance, {})
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    hooks.schedule_touched(instance)
    return instance


def _delete(model: type[models.Model], actor, instance: models.Model) -> None:
    _require(actor, model, "delete")
    model.objects.filter(pk=instance.pk).delete()
    hooks.schedule_touched(instance)


def _update(model: type[models.Model], actor, instance: models.Model, data: dict) -> models.Model:
    _require(actor, model, "change")
    plain, m2m = _split_m2m(model, data)
    instance = model.objects.select_for_update().get(pk=instance.pk)
    model_apply(instance, plain)
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    hooks.schedule_touched(instance)
    return instance


@transaction.atomic
def product_create(*, actor, **fields) -> Product:
    return _create(Product, actor, fields)


@transaction.atomic
def product_update(*, actor, instance: Product, **fields) -> Product:
    return _update(Product, actor, instance, fields)


@transaction.atomic
def schedule_create(*, actor, **fields) -> Schedule:
    return _create(Schedule, actor, fields)


@transaction.atomic
def schedule_update(*, actor, instance: Schedule, **fields) -> Schedule:
    return _update(Schedule, actor, instance, fields)


@transaction.atomic
def schedule_span_create(*, actor, **fields) -> ScheduleSpan:
    return _create(ScheduleSpan, actor, fields)


@transaction.atomic
def schedule_span_update(*, actor, instance: ScheduleSpan, **fields) -> ScheduleSpan:
    return _update(ScheduleSpan, actor, instance, fields)


@transaction.atomic
def schedule_span_delete(*, actor, instance: ScheduleSpan) -> None:
    _delete(ScheduleSpan, actor, instance)


@transaction.atomic
def holiday_create(*, actor, **fields) -> Holiday:
    return _create(Holiday, actor, fields)


@transaction.atomic
def holiday_update(*, actor, instance: Holiday, **fields) -> Holiday:
    return _update(Holiday, actor, instance, fields)


@transaction.atomic
def holiday_delete(*, actor, instance: Holiday) -> None:
    _delete(Holiday, actor, instance)


@transaction.atomic
def contract_create(*, actor, **fields) -> Contract:
    return _create(Contract, actor, fields, number=number_next("CNTR"))


@transaction.atomic
def contract_update(*, actor, instance: Contract, **fields) -> Contract:
    return _update(Contract, actor, instance, fields)


@transaction.atomic
def sold_product_create(*, actor, **fields) -> SoldProduct:
    return _create(SoldProduct, actor, fields)


@transaction.atomic
def sold_product_update(*, actor, instance: SoldProduct, **fields) -> SoldProduct:
    return _update(SoldProduct, actor, instance, fields)


@transaction.atomic
def install_base_item_create(*, actor, **fields) -> InstallBaseItem:
    return _create(InstallBaseItem, actor, fields)


@transaction.atomic
def install_base_item_update(*, actor, instance: InstallBaseItem, **fields) -> InstallBaseItem:
    return _update(InstallBaseItem, actor, instance, fields)


@transaction.atomic
def asset_create(*, actor, **fields) -> Asset:
    return _create(Asset, actor, fields)


@transaction.atomic
def asset_update(*, actor, instance: Asset, **fields) -> Asset:
    return _update(Asset, actor, instance, fields)


def _entitlement_defaults(fields: dict) -> dict:
    """A new per-unit entitlement starts with all its units remaining."""
    if fields.get("per_unit") and fields.get("remaining_units") is None and fields.get("total_units") is not None:
        fields = {**fields, "remaining_units": fields["total_units"]}
    return fields


@transaction.atomic
def entitlement_create(*, actor, **fields) -> Entitlement:
    return _create(Entitlement, actor, _entitlement_defaults(fields))


@transaction.atomic
def entitlement_update(*, actor, instance: Entitlement, **fields) -> Entitlement:
    return _update(Entitlement, actor, instance, fields)


def entitlement_lock(entitlement: Entitlement) -> Entitlement:
    """The entitlement's row, locked until the caller's transaction ends (consume units next)."""
    return Entitlement.objects.select_for_update().get(pk=entitlement.pk)


@transaction.atomic
def entitlement_units_consume(*, entitlement: Entitlement, units: Decimal) -> tuple[Decimal, Decimal]:
    """Take `units` off a per-unit entitlement's remaining units (internal callers: a closed case,
    time worked). Remaining units never go below zero: returns (charged, overage), the overage
    being what could not be taken, for the caller to record and flag."""
    locked = entitlement_lock(entitlement)
    if not locked.per_unit or locked.remaining_units is None or units <= 0:
        return Decimal(0), Decimal(0)
    charged = min(units, locked.remaining_units)
    locked.remaining_units -= charged
    locked.save(update_fields=["remaining_units", "updated_at"])
    entitlement.remaining_units = locked.remaining_units
    return charged, units - charged


def _service_id(fields: dict, name: str | None) -> dict:
    if not fields.get("service_id") and name:
        fields = {**fields, "service_id": service_id_from_name(name)}
        if not fields["service_id"]:
            raise ValidationError({"name": "The name needs at least one letter or digit to derive the service id."})
    return fields


@transaction.atomic
def service_definition_create(*, actor, name: str, **fields) -> ServiceDefinition:
    return _create(ServiceDefinition, actor, {"name": name, **_service_id(fields, name)})


@transaction.atomic
def service_definition_update(*, actor, instance: ServiceDefinition, **fields) -> ServiceDefinition:
    if "service_id" in fields and not fields["service_id"]:
        fields = _service_id(fields, fields.get("name", instance.name))
    if instance in fields.get("child_services", ()):
        raise ValidationError({"child_services": "A service cannot be its own child service."})
    return _update(ServiceDefinition, actor, instance, fields)


@transaction.atomic
def catalog_item_create(*, actor, **fields) -> CatalogItem:
    return _create(CatalogItem, actor, fields)


@transaction.atomic
def catalog_item_update(*, actor, instance: CatalogItem, **fields) -> CatalogItem:
    return _update(CatalogItem, actor, instance, fields)


@transaction.atomic
def catalog_item_variable_create(*, actor, **fields) -> CatalogItemVariable:
    return _create(CatalogItemVariable, actor, fields)


@transaction.atomic
def catalog_item_variable_update(*, actor, instance: CatalogItemVariable, **fields) -> CatalogItemVariable:
    return _update(CatalogItemVariable, actor, instance, fields)


@transaction.atomic
def catalog_item_variable_delete(*, actor, instance: CatalogItemVariable) -> None:
    _delete(CatalogItemVariable, actor, instance)


def catalog_item_answers_clean(*, item: CatalogItem, answers: dict, user) -> dict:
    """Validate and type the answers to a catalog item's variables. Returns {name: value} with
    whole numbers as int, decimals as Decimal, dates as date, yes/no as bool, and references as the referenced object's id. Product and
    asset references are checked against what `user` may see. Raises ValidationError naming
    every wrong variable."""
    from catalog import selectors

    errors, cleaned = {}, {}
    variables = list(item.variables.all())
    unknown = set(answers) - {v.name for v in variables}
    for name in sorted(unknown):
        errors[name] = "This catalog item has no such question."
    for variable in variables:
        raw = answers.get(variable.name)
        if raw in (None, ""):
            if variable.required:
                errors[variable.name] = f"'{variable.label}' is required."
            continue
        try:
            cleaned[variable.name] = _answer_clean(variable, raw, user, selectors)
        except ValidationError as exc:
            errors[variable.name] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _answer_clean(variable: CatalogItemVariable, raw, user, selectors):
    kind = variable.kind
    if kind in (VariableKind.TEXT, VariableKind.MULTILINE):
        if isinstance(raw, (dict, list)):
            raise ValidationError("Give text.")
        return str(raw)
    if kind == VariableKind.INTEGER:
        if isinstance(raw, bool) or not _is_integer(raw):
            raise ValidationError(f"'{raw}' is not a whole number.")
        return int(str(raw).strip())
    if kind in (VariableKind.NUMBER, VariableKind.DECIMAL):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            value = None
        if isinstance(raw, bool) or value is None or not value.is_finite():  # "NaN" parses but is no answer
            raise ValidationError(f"'{raw}' is not a number.")
        return value
    if kind == VariableKind.DATE:
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            raise ValidationError(f"'{raw}' is not a date (YYYY-MM-DD).") from None
    if kind == VariableKind.CHOICE:
        if raw not in variable.choices:
            raise ValidationError(f"'{raw}' is not one of {', '.join(variable.choices)}.")
        return raw
    if kind == VariableKind.BOOLEAN:
        value = _boolean(raw)
        if variable.required and value is not True:  # a required yes/no is a confirmation
            raise ValidationError(f"'{variable.label}' must be confirmed.")
        return value
    if kind == VariableKind.EMAIL:
        value = str(raw).strip()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(f"'{raw}' is not an email address.") from None
        return value
    selector = selectors.product_list_for_user if kind == VariableKind.PRODUCT else selectors.asset_list_for_user
    if isinstance(raw, bool) or not (str(raw).isascii() and str(raw).isdigit()):  # int(True), int(2.7) pass
        raise ValidationError(f"'{raw}' is not an id.")
    pk = int(raw)
    if not selector(user=user).filter(pk=pk).exists():
        raise ValidationError(f"No {kind} with id {pk}.")
    return pk


def _is_integer(raw) -> bool:
    if isinstance(raw, int):
        return True
    text = str(raw).strip()
    return text.lstrip("-").isascii() and text.lstrip("-").isdigit() and text.count("-") <= 1 and not text.endswith("-")


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _boolean(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"'{raw}' is not yes or no (true/false).")
