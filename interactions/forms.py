from django import forms

from cases.choices import Impact
from interactions.choices import InteractionState, InteractionType, WrapUpCode
from users.choices import Presence

_CODES = [("", "—")] + list(WrapUpCode.choices)


class PresenceForm(forms.Form):
    status = forms.ChoiceField(choices=Presence.choices)


class OfferRejectForm(forms.Form):
    reason = forms.CharField(max_length=500, strip=True, error_messages={"required": "Say why you reject the case."})


class HoldForm(forms.Form):
    assignment_group = forms.ModelChoiceField(queryset=None, required=False, empty_label="Its own queue")
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment_group"].queryset = groups


class WrapUpForm(forms.Form):
    wrap_up_code = forms.ChoiceField(choices=_CODES, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CloseForm(WrapUpForm):
    pass


class WorkNoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "Write something."})


class LinkCaseForm(forms.Form):
    case = forms.CharField(max_length=20, label="Case number", error_messages={"required": "Give the case number."})
    close = forms.BooleanField(required=False, label="Close this interaction complete")


class CreateCaseForm(forms.Form):
    short_description = forms.CharField(max_length=160)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    customer_email = forms.EmailField(
        required=False, label="Customer's email",
        help_text="When the interaction names nobody: the contact or consumer with this address.",
    )
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int, initial=Impact.LOW)
    urgency = forms.TypedChoiceField(choices=Impact.choices, coerce=int, initial=Impact.LOW)
    case_type = forms.ModelChoiceField(queryset=None, required=False, empty_label="—")
    product = forms.ModelChoiceField(queryset=None, required=False, empty_label="—")
    assignment_group = forms.ModelChoiceField(queryset=None, required=False, empty_label="— (routing decides)")
    assign_to_me = forms.BooleanField(required=False, initial=True, label="Assign the case to me")

    def __init__(self, *args, case_types=None, products=None, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_type"].queryset = case_types
        self.fields["product"].queryset = products
        self.fields["assignment_group"].queryset = groups


class InteractionFilterForm(forms.Form):
    state = forms.MultipleChoiceField(choices=InteractionState.choices, required=False)
    type = forms.ChoiceField(choices=[("", "Any type")] + list(InteractionType.choices), required=False)
    mine = forms.BooleanField(required=False, label="Assigned to me")
    q = forms.CharField(required=False, max_length=100, label="Number or words")
