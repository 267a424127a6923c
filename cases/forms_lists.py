"""Forms of the workspace's case lists: saving a filter, renaming it, and the bulk assignment."""
from django import forms

from cases.models import CaseListName

MAX_BULK = 100  # cases one bulk action may touch (four pages of 25)


class SavedFilterForm(forms.Form):
    name = forms.CharField(max_length=80, strip=True)
    view = forms.ChoiceField(choices=CaseListName.choices)
    query = forms.CharField(max_length=2000, required=False, strip=True)


class SavedFilterRenameForm(forms.Form):
    name = forms.CharField(max_length=80, strip=True)


class BulkAssignForm(forms.Form):
    """"Assign to me" (action=me) or "Assign to…" (action=assign: a group, an agent, or both)."""

    action = forms.ChoiceField(choices=[("me", "Assign to me"), ("assign", "Assign to…")])
    assignment_group = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    assigned_to = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, options: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment_group"].choices = [("", "—"), *options["groups"]]
        self.fields["assigned_to"].choices = [("", "—"), *options["agents"]]

    def clean(self):
        data = super().clean()
        # The selected rows: case numbers, each checked against the reader's selector by the view.
        numbers = list(dict.fromkeys(n.strip().upper() for n in self.data.getlist("case") if n.strip()))
        if not numbers:
            raise forms.ValidationError("Select at least one case.")
        if len(numbers) > MAX_BULK:
            raise forms.ValidationError(f"Select at most {MAX_BULK} cases at a time.")
        data["cases"] = numbers
        if data.get("action") == "assign" and not data.get("assignment_group") and not data.get("assigned_to"):
            raise forms.ValidationError("Choose an assignment group, an agent, or both.")
        return data
