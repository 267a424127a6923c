"""Build an admin POST from a GET of the same page, so tests change only what they mean to."""
from cases.admin import ChoicesField


def assert_admin_status(response, expected: int) -> None:
    assert response.status_code == expected, f"{response.status_code} != {expected}"
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")


def _add(data: dict, form) -> None:
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None:
            continue
        if isinstance(field, ChoicesField) and isinstance(value, list):
            data[key] = "\n".join(value)
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)


def form_data(response) -> dict:
    data = {}
    _add(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[formset.management_form.add_prefix(name)] = str(value)
        for form in formset.forms:
            _add(data, form)
    return data


def add_row(data: dict, prefix: str, **fields) -> dict:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        if value is True:
            value = "on"
        if value is False:
            continue
        data[f"{prefix}-{index}-{name}"] = value
    return data
