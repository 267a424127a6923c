"""Submitting a catalog item: the customer's answers become a case of the item's case type.

Catalog sits below cases, so the service that opens the case lives here and reads the item from
catalog. Where the answers go (decision, docs/architecture.md "Portal: catalog requests"):
- an answer whose variable has the same name as one of the case type's typed extra fields is
  stored there too (`Case.extra`, validated by the case type's own rules), so agents can filter
  and report on it;
- every answer is written, label and value, as a readable block at the top of the case
  description (what an agent, a notification and the customer read), and kept as data in a
  `CatalogRequest` row with the item and the labels as asked.
A product question's answer sets the case's product, an asset question's its asset (and so its
product); otherwise the item's product is used. The case lands on the item's service definition
and the case type linked to it (`case_type_for_service`)."""
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cases import permissions
from cases.models import Case, CaseType, CatalogRequest
from cases.services.attachments import attachment_add
from cases.services.cases import case_create
from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.choices import VariableKind
from catalog.models import CatalogItem, ServiceDefinition

__all__ = ["catalog_item_submit", "case_type_for_service", "case_submit"]

SHORT_MAX = 160


def case_type_for_service(service_definition: ServiceDefinition | None) -> CaseType | None:
    """The case type a request for this service opens: the active case type that lists it (the
    first by name when an admin linked several)."""
    if service_definition is None:
        return None
    return (
        CaseType.objects.filter(active=True, service_definitions=service_definition)
        .select_related("lifecycle").prefetch_related("fields").order_by("name").first()
    )


def _display(variable, value, objects: dict) -> str:
    if variable.kind in (VariableKind.PRODUCT, VariableKind.ASSET):
        return str(objects.get((variable.kind, value), value))
    if variable.kind == VariableKind.BOOLEAN:
        return "Yes" if value else "No"
    return value.isoformat() if isinstance(value, date) else str(value)


def _plain(value):
    """A JSON-safe copy of a typed answer."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _references(item_variables, cleaned: dict, actor) -> dict:
    """The products and assets the answers name, read through the actor's selectors."""
    objects = {}
    for variable in item_variables:
        if variable.name not in cleaned:
            continue
        if variable.kind == VariableKind.PRODUCT:
            objects[(variable.kind, cleaned[variable.name])] = catalog_selectors.product_list_for_user(
                user=actor
            ).get(pk=cleaned[variable.name])
        elif variable.kind == VariableKind.ASSET:
            objects[(variable.kind, cleaned[variable.name])] = catalog_selectors.asset_list_for_user(
                user=actor
            ).select_related("product").get(pk=cleaned[variable.name])
    return objects


def _extra_from_answers(case_type: CaseType | None, variables, cleaned: dict, actor) -> dict:
    """The answers that fill the case type's fields of the same name: only the fields the actor may
    write (for the customer side, never an internal one; the answer is still in the description
    and the request's data, where agents read it)."""
    names = {f.name for f in permissions.case_type_fields_for(actor, case_type)}
    return {v.name: _plain(cleaned[v.name]) for v in variables if v.name in names and v.name in cleaned}


@transaction.atomic
def catalog_item_submit(
    *, actor, item: CatalogItem, answers: dict, short_description: str = "", description: str = "",
    uploaded_file=None, channel: str = "web", **party,
) -> Case:
    """Open a case from a catalog item the actor may see. Answers are validated by the catalog's
    rules (400 naming each wrong variable); an optional file is attached in the same transaction,
    so a refused file (413/415) leaves no case behind. `party` (contact or consumer) says whom
    the case is for when the actor is not the customer themself; `case_create` checks it."""
    refused = sorted(set(party) - {"contact", "consumer"})
    if refused:
        raise ValidationError({name: "You cannot set this field." for name in refused})
    if actor is not None and not catalog_selectors.catalog_item_list_for_user(user=actor).filter(pk=item.pk).exists():
        raise PermissionDenied("This catalog item is not offered to you.")
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Give the answers as an object {variable name: answer}."})
    variables = list(item.variables.all())
    cleaned = catalog_services.catalog_item_answers_clean(item=item, answers=answers, user=actor)
    objects = _references(variables, cleaned, actor)
    case_type = case_type_for_service(item.service_definition)

    fields = {"service_definition": item.service_definition, "case_type": case_type, **party}
    asset = next((o for (kind, _), o in objects.items() if kind == VariableKind.ASSET), None)
    product = next((o for (kind, _), o in objects.items() if kind == VariableKind.PRODUCT), None)
    if asset is not None:
        fields["asset"] = asset
    elif product is not None or item.product_id:
        fields["product"] = product or item.product
    extra = _extra_from_answers(case_type, variables, cleaned, actor)
    if extra:
        fields["extra"] = extra

    rows = [
        {"name": v.name, "label": v.label, "kind": v.kind, "value": _plain(cleaned[v.name]),
         "display": _display(v, cleaned[v.name], objects)}
        for v in variables if v.name in cleaned
    ]
    block = "\n".join(f"{row['label']}: {row['display']}" for row in rows)
    text = f"Requested from the catalog: {item.name}\n\n{block}".strip()
    if description.strip():
        text = f"{text}\n\n{description.strip()}"
    subject = (short_description or "").strip() or item.name
    try:
        case = case_create(
            actor=actor, short_description=subject[:SHORT_MAX], channel=channel, description=text, **fields
        )
    except ValidationError as exc:
        raise _answer_errors(exc) from None
    CatalogRequest.objects.create(case=case, item=item, item_name=item.name, answers=rows)
    if uploaded_file is not None:
        attachment_add(actor=actor, case=case, uploaded_file=uploaded_file)
    return case


def _answer_errors(exc: ValidationError) -> ValidationError:
    """The case's extra-field errors (`extra.<name>`) named after the variable that fed them."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {(name[len("extra."):] if name.startswith("extra.") else name): errors for name, errors in exc.error_dict.items()}
    )


@transaction.atomic
def case_submit(*, actor, short_description: str, uploaded_file=None, service_definition=None, **fields) -> Case:
    """A customer's own case (from a product, a service definition, or the free-form "Get help"),
    with an optional first attachment in the same transaction. A service definition brings its
    case type, like a catalog item does."""
    if service_definition is not None:
        fields.setdefault("case_type", case_type_for_service(service_definition))
        fields["service_definition"] = service_definition
    case = case_create(actor=actor, short_description=short_description, **fields)
    if uploaded_file is not None:
        attachment_add(actor=actor, case=case, uploaded_file=uploaded_file)
    return case
