"""Forms of the portal's case pages. They shape the pages and give early messages; every rule is
the services' (a form never decides what a customer may do), so fields the services require are
often optional here and the service's refusal is shown as a message."""
from django import forms

from cases.choices import Impact


def on_behalf_field(contacts) -> forms.ModelChoiceField:
    """"On behalf of": the contacts a customer admin or partner may open a case for (the
    `customers.selectors.contact_list_on_behalf_for_user` scope), defaulting to themselves. A
    value outside it is a form error; the service checks the same scope again."""
    field = forms.ModelChoiceField(
        queryset=contacts, required=False, label="On behalf of", empty_label="Myself",
        help_text="Open the case for a contact you look after; they will follow it and be told about it.",
    )
    field.label_from_instance = lambda contact: f"{contact.first_name} {contact.last_name} · {contact.account.name}"
    return field


class OnBehalfForm(forms.Form):
    """The "On behalf of" choice alone (the catalog item page, above the item's questions)."""

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_behalf_of"] = on_behalf_field(contacts)


class CaseRequestForm(forms.Form):
    """A new case from a product, a service definition, or the free-form "Get help". With
    `contacts` (a customer admin or partner), an "On behalf of" choice comes first."""

    short_description = forms.CharField(label="Subject", max_length=160)
    description = forms.CharField(label="Describe the problem or request", widget=forms.Textarea(attrs={"rows": 6}),
                                  required=False)
    urgency = forms.TypedChoiceField(
        label="How urgent is it?", coerce=int, initial=Impact.LOW,
        choices=[(Impact.HIGH, "High: work has stopped"), (Impact.MEDIUM, "Medium: work is hampered"),
                 (Impact.LOW, "Low: it can wait")],
    )
    file = forms.FileField(label="Attach a file (optional)", required=False)

    def __init__(self, *args, products=None, assets=None, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contacts is not None:
            self.fields["on_behalf_of"] = on_behalf_field(contacts)
        if products is not None:
            self.fields["product"] = forms.ModelChoiceField(
                queryset=products, required=False, label="Product (optional)", empty_label="Not about a product"
            )
        if assets is not None:
            field = forms.ModelChoiceField(queryset=assets, required=False, label="Which one? (optional)")
            field.label_from_instance = lambda asset: f"{asset.asset_tag} {asset.serial_number}".strip()
            self.fields["asset"] = field
        self.order_fields(["on_behalf_of", "short_description", "product", "asset", "description", "urgency", "file"])


class CatalogSubmitExtraForm(forms.Form):
    """What every catalog request adds to the item's own questions."""

    short_description = forms.CharField(label="Subject (optional)", max_length=160, required=False,
                                        help_text="Leave empty to use the item's name.")
    description = forms.CharField(label="Anything else we should know? (optional)", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label="Attach a file (optional)", required=False)


class CommentForm(forms.Form):
    body = forms.CharField(label="Add a comment", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AttachForm(forms.Form):
    file = forms.FileField(label="Attach a file", required=False)


class ActionForm(forms.Form):
    """Inputs a customer action may take: a reason (reject solution) or a comment (the others).
    Not required here: the lifecycle says what each action needs, and the service names it."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How satisfied are you with how we handled this case?", coerce=int, widget=forms.RadioSelect,
        choices=[(5, "5 Excellent"), (4, "4 Good"), (3, "3 Fair"), (2, "2 Poor"), (1, "1 Very poor")],
    )
    comment = forms.CharField(label="Tell us more (optional)", widget=forms.Textarea(attrs={"rows": 3}),
                              required=False)


class CaseFilterForm(forms.Form):
    STATUS = [("all", "All"), ("open", "Open"), ("action", "Action needed"), ("closed", "Closed")]
    status = forms.ChoiceField(choices=STATUS, required=False)
    q = forms.CharField(label="Search", required=False, max_length=100)
