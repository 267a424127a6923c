"""Submitting a case: the catalog page (items by category, services, "my products"), a catalog
item's typed form, a case about an owned product, a case for a service definition, and the
free-form "Get help". Each calls one cases service (channel web; the product, asset, service and
case type set), then redirects to the new case's page. Items, services and products are read
through the catalog's selectors: what is not offered to the reader is 404.

Customer admins and partners get an "On behalf of" choice on every submit form: the contacts
they may open cases for (`customers.selectors.contact_list_on_behalf_for_user`), themselves by
default; the chosen contact is passed to the service, which checks the same scope. Plain
customers and consumers have nobody to choose and see no such field."""
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cases import services
from catalog import selectors as catalog_selectors
from catalog.forms import catalog_item_form_class
from customers import selectors as customer_selectors
from portal.access import portal_view
from portal.forms import CaseRequestForm, CatalogSubmitExtraForm, OnBehalfForm
from portal.views.cases.common import SERVICE_ERRORS, refusal, validation_messages


@portal_view
def catalog(request):
    items = list(catalog_selectors.catalog_item_list_for_user(user=request.user).prefetch_related(None)
                 .filter(active=True).order_by("category", "order", "name"))
    categories = [(category or "Other requests", list(rows)) for category, rows in groupby(items, key=lambda i: i.category)]
    services_offered = list(catalog_selectors.service_definition_list_for_user(user=request.user)
                            .prefetch_related(None).filter(active=True).order_by("order", "name"))
    products = list(catalog_selectors.product_list_owned_by_user(user=request.user))
    context = {"categories": categories, "services": services_offered, "products": products}
    return render(request, "portal/cases/catalog.html", context)


def _behalf_contacts(user):
    """The contacts the user may name in "On behalf of", or None: no such field."""
    contacts = customer_selectors.contact_list_on_behalf_for_user(user=user)
    return contacts if contacts.exists() else None


def _party(cleaned: dict) -> dict:
    """The service's `contact` when the form named someone else (else the actor's own)."""
    contact = cleaned.get("on_behalf_of")
    return {"contact": contact} if contact is not None else {}


def _landed(request, case):
    messages.success(request, f"Thank you: {case.number} is open. We will be in touch.")
    return redirect(reverse("portal:case-detail", args=[case.number]))


@portal_view
def catalog_item(request, pk: int):
    item = get_object_or_404(
        catalog_selectors.catalog_item_list_for_user(user=request.user).filter(active=True), pk=pk
    )
    form_class = catalog_item_form_class(item, user=request.user)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form, extra = form_class(*data, prefix="item"), CatalogSubmitExtraForm(*data)
    contacts = _behalf_contacts(request.user)
    behalf = OnBehalfForm(*data, contacts=contacts) if contacts is not None else None
    status = 200
    if request.method == "POST":
        valid = [f.is_valid() for f in (form, extra, behalf) if f is not None]  # every form's errors shown
        if all(valid):
            try:
                case = services.catalog_item_submit(
                    actor=request.user, item=item, answers=form.answers(),
                    short_description=extra.cleaned_data["short_description"],
                    description=extra.cleaned_data["description"], uploaded_file=extra.cleaned_data.get("file"),
                    **_party(behalf.cleaned_data if behalf is not None else {}),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    form.add_answer_errors({k: v for k, v in exc.message_dict.items()})
                messages.error(request, "Please check your answers: " + "; ".join(validation_messages(exc)))
                status = 400
            except SERVICE_ERRORS as exc:
                status = refusal(request, exc)
            else:
                return _landed(request, case)
        else:
            status = 400
    context = {"item": item, "form": form, "extra": extra, "behalf": behalf}
    return render(request, "portal/cases/catalog_item.html", context, status=status)


def _request_page(request, *, title: str, intro: str, form, submit, template_context=None):
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                case = submit(data)
            except SERVICE_ERRORS as exc:
                status = refusal(request, exc)
            else:
                return _landed(request, case)
        else:
            status = 400
    context = {"title": title, "intro": intro, "form": form, **(template_context or {})}
    return render(request, "portal/cases/request.html", context, status=status)


def _bound(request):
    return (request.POST, request.FILES) if request.method == "POST" else ()


@portal_view
def product_new_case(request, pk: int):
    product = get_object_or_404(catalog_selectors.product_list_owned_by_user(user=request.user), pk=pk)
    assets = catalog_selectors.asset_list_for_user(user=request.user).filter(product=product, active=True)
    form = CaseRequestForm(*_bound(request), assets=assets.order_by("asset_tag"),
                           contacts=_behalf_contacts(request.user))
    service_list = list(product.service_definitions.filter(active=True).order_by("order", "name"))

    def submit(data):
        return services.case_submit(
            actor=request.user, short_description=data["short_description"], description=data["description"],
            urgency=data["urgency"], product=product, asset=data.get("asset"), uploaded_file=data.get("file"),
            channel="web", **_party(data),
        )

    return _request_page(
        request, title=f"Get help with {product.name}", intro="Tell us what is wrong, or what you need.",
        form=form, submit=submit, template_context={"product": product, "product_services": service_list},
    )


@portal_view
def service_new_case(request, pk: int):
    service = get_object_or_404(
        catalog_selectors.service_definition_list_for_user(user=request.user).filter(active=True), pk=pk
    )
    owned = catalog_selectors.product_list_owned_by_user(user=request.user)
    products = owned.filter(pk__in=service.products.values("pk")) if service.products.exists() else None
    form = CaseRequestForm(*_bound(request), products=products, contacts=_behalf_contacts(request.user))

    def submit(data):
        return services.case_submit(
            actor=request.user, short_description=data["short_description"], description=data["description"],
            urgency=data["urgency"], product=data.get("product"), service_definition=service,
            uploaded_file=data.get("file"), channel="web", **_party(data),
        )

    return _request_page(request, title=service.name, intro=service.description, form=form, submit=submit)


@portal_view
def get_help(request):
    form = CaseRequestForm(
        *_bound(request), products=catalog_selectors.product_list_owned_by_user(user=request.user),
        contacts=_behalf_contacts(request.user),
    )

    def submit(data):
        return services.case_submit(
            actor=request.user, short_description=data["short_description"], description=data["description"],
            urgency=data["urgency"], product=data.get("product"), uploaded_file=data.get("file"), channel="web",
            **_party(data),
        )

    return _request_page(
        request, title="Get help", intro="Not sure where it fits? Describe it here and we will route it.",
        form=form, submit=submit,
    )


