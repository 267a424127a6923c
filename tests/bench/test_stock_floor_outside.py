"""The stock floor (bench/stock/) is a project outside the product: none of its modules imports
product code (the import-linter contracts cover only the product's packages)."""
import ast
from pathlib import Path

import pytest

from bench.stock.dburl import stock_database_url

STOCK = Path(__file__).resolve().parents[2] / "bench" / "stock"
PRODUCT = {"config", "core", "users", "customers", "catalog", "cases", "notifications", "interactions", "portal"}
BENCH_PRODUCT_SIDE = {"bench.seed", "bench.run", "bench.customer_side", "bench.versus_stock", "bench.floor"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_module_of_the_stock_floor_imports_product_code():
    files = sorted(STOCK.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        for name in _imports(path):
            assert name.split(".")[0] not in PRODUCT, f"{path.relative_to(STOCK)} imports {name}"
            assert not any(name == m or name.startswith(m + ".") for m in BENCH_PRODUCT_SIDE), (path, name)


def test_the_floor_database_is_the_product_one_with_stock_appended(monkeypatch):
    monkeypatch.delenv("STOCK_DATABASE_URL", raising=False)
    assert stock_database_url("postgres://u:p@db:5433/bench") == "postgres://u:p@db:5433/bench_stock"
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casedesk")
    assert stock_database_url() == "postgres://postgres@127.0.0.1:5432/casedesk_stock"
    monkeypatch.setenv("STOCK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/elsewhere")
    assert stock_database_url() == "postgres://postgres@127.0.0.1:5432/elsewhere"
    monkeypatch.delenv("STOCK_DATABASE_URL")
    with pytest.raises(RuntimeError, match="PostgreSQL only"):
        stock_database_url("sqlite:////tmp/bench.sqlite3")
