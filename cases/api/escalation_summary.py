"""The `escalation` field of the case API: the case's latest escalation (any state), read for a
whole page of cases in one query. Agents see its state and severity; the customer side, its
state (reference 3.3: the customer knows the case is escalated, not the internal details)."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import selectors_escalations

CACHE = "_case_escalations"


class EscalationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField(help_text="requested, escalated, declined, closed")
    severity = serializers.CharField(required=False, help_text="high or medium (agents only)")


def _page_cases(field_serializer, case) -> list:
    parent = field_serializer.parent
    if isinstance(parent, serializers.ListSerializer) and isinstance(parent.instance, (list, tuple)):
        return list(parent.instance)
    return [case]


def escalation_summary(field_serializer, case, *, internal: bool) -> dict | None:
    context = field_serializer.context
    cache = context.get(CACHE)
    if cache is None or case.pk not in cache["ids"]:
        page = _page_cases(field_serializer, case)
        if case not in page:
            page.append(case)
        ids = {c.pk for c in page}
        # Only cases that ever had one (a page without any costs no query). A case read without
        # the flag counts as escalated: one query too many rather than a missing summary.
        escalated = {c.pk for c in page if c.__dict__.get("has_escalation", True)}
        rows = selectors_escalations.escalation_summaries_for_cases(escalated) if escalated else {}
        cache = {"ids": ids, "rows": rows}
        context[CACHE] = cache
    row = cache["rows"].get(case.pk)
    if row is None:
        return None
    data = {"id": row.pk, "number": row.number, "state": row.state}
    if internal:
        data["severity"] = row.severity
    return data


escalation_field = extend_schema_field(EscalationSummarySerializer(allow_null=True))
