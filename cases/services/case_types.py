__all__ = ["case_type_create", "case_type_update"]

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from cases.models import CaseType
from catalog.models import ServiceDefinition
from core.services import model_apply


@transaction.atomic
def case_type_create(
    *, actor, name: str, code: str, service_definitions: Iterable[ServiceDefinition] = (), **fields
) -> CaseType:
    if actor is not None and not actor.has_perm("cases.add_casetype"):
        raise PermissionDenied("Only admins define case types.")
    case_type = CaseType(name=name, code=code)
    model_apply(case_type, fields)
    case_type.save()
    case_type.service_definitions.set(service_definitions)
    return case_type


@transaction.atomic
def case_type_update(
    *, actor, instance: CaseType, service_definitions: Iterable[ServiceDefinition] | None = None, **fields
) -> CaseType:
    if actor is not None and not actor.has_perm("cases.change_casetype"):
        raise PermissionDenied("Only admins change case types.")
    case_type = CaseType.objects.select_for_update().get(pk=instance.pk)
    model_apply(case_type, fields)
    case_type.save()
    if service_definitions is not None:
        case_type.service_definitions.set(service_definitions)
    return case_type
