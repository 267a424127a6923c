from core import access
from cases.models import CaseType


class CaseTypePolicy(access.AccessPolicy):
    """Case types are reference data: internal roles read them all; customers read active ones."""

    view_permission = "cases.view_casetype"

    def relation_reasons(self, obj, user):
        if obj.active:
            return [access.Reason("relation", "Active case types are offered to every signed-in user.")]
        return []

    def relation_audience(self, obj):
        if not obj.active:
            return []
        return [access.AudienceEntry("relation", "Every signed-in user (the case type is active).", count=1)]


access.register(CaseType, CaseTypePolicy())
