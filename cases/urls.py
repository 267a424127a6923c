"""The agent workspace's case pages (app_name "cases", included at "" in config/urls.py).

Fixed paths of the lists live outside /cases/<number>/ and /case-tasks/<number>/ (under
/case-lists/), so they can never be taken for a record number whatever the order of the routes."""
from django.urls import path, register_converter

from cases.views import dashboards, lists, record, record_commands, record_work

app_name = "cases"


class RecordNumberConverter:
    """A record's human number (CS0000001, CSTASK0000001, CSL0000001), any letter case."""

    regex = "[A-Za-z]{1,10}[0-9]{1,12}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(RecordNumberConverter, "recnum")

urlpatterns = [
    # Lists (cases/views/lists.py)
    path("cases/", lists.case_list, name="case-list"),
    path("case-tasks/", lists.task_list, name="task-list"),
    path("case-lists/nav/", lists.list_nav, name="list-nav"),
    path("case-lists/assign/", lists.case_bulk_assign, name="case-bulk-assign"),
    path("case-lists/filters/", lists.saved_filter_list, name="saved-filter-list"),
    path("case-lists/filters/<int:pk>/rename/", lists.saved_filter_rename, name="saved-filter-rename"),
    path("case-lists/filters/<int:pk>/delete/", lists.saved_filter_delete, name="saved-filter-delete"),
    # Dashboards (cases/views/dashboards.py)
    path("dashboards/agent/", dashboards.AgentDashboardView.as_view(), name="dashboard-agent"),
    path("dashboards/manager/", dashboards.ManagerDashboardView.as_view(), name="dashboard-manager"),
    # --- the record pages: case, case task, case line ---------------------------------------------
    path("cases/<recnum:number>/", record.case_detail, name="case-detail"),
    path("cases/<recnum:number>/details/", record.case_details, name="case-details"),
    path("cases/<recnum:number>/details/edit/", record.case_details_edit, name="case-details-edit"),
    path("cases/<recnum:number>/details/<slug:field>/", record.case_field, name="case-field"),
    path("cases/<recnum:number>/details/<slug:field>/edit/", record.case_field_edit, name="case-field-edit"),
    path("cases/<recnum:number>/act/<slug:action>/", record_commands.case_act, name="case-act"),
    path("cases/<recnum:number>/assign/", record_commands.case_assign, name="case-assign"),
    path("cases/<recnum:number>/assign-to-me/", record_commands.case_assign_to_me, name="case-assign-to-me"),
    path("cases/<recnum:number>/escalate/", record_commands.case_escalate, name="case-escalate"),
    path("cases/<recnum:number>/tasks/new/", record_commands.case_task_add, name="case-task-add"),
    path("cases/<recnum:number>/tasks/from-template/", record_commands.case_template_apply, name="case-template-apply"),
    path("cases/<recnum:number>/lines/new/", record_commands.case_line_add, name="case-line-add"),
    path("cases/<recnum:number>/journal/", record.case_journal, name="case-journal"),
    path("cases/<recnum:number>/timeline/", record.case_timeline, name="case-timeline"),
    path("cases/<recnum:number>/attachments/", record.case_attachment_add, name="case-attachment-add"),
    path("cases/<recnum:number>/watch/", record_commands.case_watch, name="case-watch"),
    path("cases/<recnum:number>/clear-attention/", record_commands.case_attention_clear, name="case-attention-clear"),
    path("case-tasks/<recnum:number>/", record_work.task_detail, name="task-detail"),
    path("case-tasks/<recnum:number>/edit/", record_work.task_edit, name="task-edit"),
    path("case-tasks/<recnum:number>/act/<slug:action>/", record_work.task_act, name="task-act"),
    path("case-lines/<recnum:number>/", record_work.line_detail, name="line-detail"),
    path("case-lines/<recnum:number>/edit/", record_work.line_edit, name="line-edit"),
    path("case-lines/<recnum:number>/act/<slug:action>/", record_work.line_act, name="line-act"),
]
