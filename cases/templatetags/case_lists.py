"""`{% case_list_nav %}`: the case and task lists in the workspace navigation (workspace/_nav.html).
Rendered without counts, so it costs no query on any page; htmx then loads the counted entries
(cases:list-nav) when the navigation comes into view."""
from django import template

from cases.views.lists import nav_context

register = template.Library()


@register.inclusion_tag("cases/_nav_lists.html", takes_context=True)
def case_list_nav(context):
    request = context.get("request")
    if request is None:
        return {"cases": [], "tasks": [], "saved": [], "counted": False}
    return nav_context(path=request.path, params=request.GET, nav=None)
