"""`{% include_once "template.html" %}`: a part a page shows more than once (the workspace's nav:
the phone menu and the side bar) rendered once per page render and repeated as it was."""
from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def include_once(context, template_name: str):
    """The template rendered with the page's context, the first time it is asked for in this page
    render; later calls return that same HTML (the render context lives for one render only)."""
    rendered = context.render_context.dicts[0].setdefault("include_once", {})
    if template_name not in rendered:
        rendered[template_name] = get_template(template_name).template.render(context)
    return rendered[template_name]
