"""A typed Django form built from a catalog item's variables (the portal's request form).

The form only shapes the page and gives per-field messages early; the answers are validated
again, as the single source of truth, by `catalog.services.catalog_item_answers_clean` inside the
submit service, so the portal, the API and any later channel accept exactly the same answers."""
from django import forms

from catalog import selectors
from catalog.choices import VariableKind
from catalog.models import CatalogItem, CatalogItemVariable

FIELD_PREFIX = "v_"  # form field names, so a variable called e.g. "attachment" cannot clash


def _field(variable: CatalogItemVariable, user) -> forms.Field:
    common = {"label": variable.label, "required": variable.required, "help_text": variable.help_text}
    kind = variable.kind
    if kind == VariableKind.MULTILINE:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == VariableKind.INTEGER:
        return forms.IntegerField(**common)
    if kind in (VariableKind.DECIMAL, VariableKind.NUMBER):
        return forms.DecimalField(**common)
    if kind == VariableKind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == VariableKind.CHOICE:
        return forms.ChoiceField(choices=[("", "---------"), *[(c, c) for c in variable.choices]], **common)
    if kind == VariableKind.BOOLEAN:
        return forms.BooleanField(**common)  # required: the box must be ticked (a confirmation)
    if kind == VariableKind.EMAIL:
        return forms.EmailField(**common)
    if kind == VariableKind.PRODUCT:
        return forms.ModelChoiceField(queryset=selectors.product_list_for_user(user=user), **common)
    if kind == VariableKind.ASSET:
        queryset = selectors.asset_list_for_user(user=user).filter(active=True).order_by("asset_tag")
        field = forms.ModelChoiceField(queryset=queryset, **common)
        field.label_from_instance = lambda asset: f"{asset.asset_tag} ({asset.product.name})"
        return field
    return forms.CharField(max_length=1000, **common)


class CatalogItemFormBase(forms.Form):
    item: CatalogItem
    variables: list[CatalogItemVariable]

    def answers(self) -> dict:
        """The cleaned values as the submit service takes them: {variable name: plain value}."""
        answers = {}
        for variable in self.variables:
            value = self.cleaned_data.get(FIELD_PREFIX + variable.name)
            if value in (None, ""):
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            elif not isinstance(value, (bool, int, str)):
                value = str(value)  # Decimal
            answers[variable.name] = value
        return answers

    def add_answer_errors(self, errors: dict) -> None:
        """Put the service's per-variable messages on the right fields."""
        for name, messages in errors.items():
            field = FIELD_PREFIX + name
            self.add_error(field if field in self.fields else None, messages)


def catalog_item_form_class(item: CatalogItem, *, user) -> type[CatalogItemFormBase]:
    """A form class with one typed field per variable, in the variables' order. Product and asset
    questions offer only what `user` may see."""
    variables = list(item.variables.all())
    attrs = {FIELD_PREFIX + v.name: _field(v, user) for v in variables}
    attrs.update(item=item, variables=variables)
    return type(f"CatalogItem{item.pk}Form", (CatalogItemFormBase,), attrs)
