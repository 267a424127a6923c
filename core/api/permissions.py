from rest_framework.permissions import BasePermission


class CanCreate(BasePermission):
    """A POST to a collection is refused at once (403) without the model's `add` permission, so a
    caller who may not create learns nothing from validating the body (an account id outside
    their scope would otherwise answer 400 "does not exist"). The create service checks the same
    permission again and stays the rule; this only answers earlier."""

    message = "You cannot create these records."

    def has_permission(self, request, view):
        if getattr(view, "action", None) != "create":
            return True
        opts = view.get_serializer_class().Meta.model._meta
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")
