"""The agent workspace's case pages, one module per piece: lists, record, dashboards."""
