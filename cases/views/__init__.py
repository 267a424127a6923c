"""The agent workspace's case pages, one module per piece: lists.py (case and task lists, saved
filters, bulk assignment), record.py (record pages), dashboards.py (dashboards)."""
