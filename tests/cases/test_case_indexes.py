"""Every index on the tables a case creation writes is listed, with the read it serves, in
docs/case-indexes.md: an index added to one of these models without its line there (or a line
left for an index that is gone) fails here. Reads the models' metadata: no database."""
import re
from pathlib import Path

from django.conf import settings
from django.db import models

from cases.models import Case, CaseEvent
from cases.models.slas import SlaInterval, TaskSla
from notifications.models import Notification

DOC = Path(settings.BASE_DIR) / "docs" / "case-indexes.md"
MODELS = (Case, CaseEvent, TaskSla, SlaInterval, Notification)
# Made by a migration's SQL on PostgreSQL only (SQLite has no such index), so not in the model.
POSTGRESQL_ONLY = {"cases_case": {"case_short_description_trgm"}}


def documented() -> dict[str, set[str]]:
    """{table: {index}} from the doc: each '## `table`' section's rows '| `index` | ...'."""
    found, table = {}, None
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            heading = re.match(r"## `(\w+)`", line)
            table = heading.group(1) if heading else None
        elif table and (row := re.match(r"\| `([\w.]+)` \|", line)):
            found.setdefault(table, set()).add(row.group(1))
    return found


def declared(model) -> set[str]:
    """The model's indexes: Meta indexes and unique constraints by name, a field's own by column."""
    names = {index.name for index in model._meta.indexes}
    names |= {c.name for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.unique or field.db_index:
            names.add(field.column)
    return names


def test_every_index_of_the_tables_a_creation_writes_is_documented_and_exists():
    doc = documented()
    for model in MODELS:
        table = model._meta.db_table
        expected = declared(model) | POSTGRESQL_ONLY.get(table, set())
        listed = doc.get(table, set())
        assert expected - listed == set(), f"{table}: indexes not listed in docs/case-indexes.md"
        assert listed - expected == set(), f"{table}: listed in docs/case-indexes.md but not declared"


def test_the_case_table_keeps_to_its_audited_indexes():
    # 29, and on PostgreSQL the number's varchar_pattern_ops twin: 30 (40 before issue 15).
    assert len(declared(Case)) + len(POSTGRESQL_ONLY["cases_case"]) == 29
