"""Where the stock floor's database is (no Django import: settings and the seed use it)."""
import os
from urllib.parse import urlsplit, urlunsplit


def stock_database_url(product_url: str | None = None) -> str:
    """STOCK_DATABASE_URL, or the product's database URL (`product_url`, default DATABASE_URL) with
    `_stock` appended to its name."""
    explicit = os.environ.get("STOCK_DATABASE_URL")
    if explicit:
        return explicit
    url = product_url or os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise RuntimeError(f"the stock floor runs on PostgreSQL only, not on {parts.scheme}")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_stock"))


def url_from_settings(settings_dict: dict) -> str:
    """A postgres:// URL for a Django database's settings (the product's, in bench_run and tests)."""
    from urllib.parse import quote

    user = quote(settings_dict.get("USER") or "postgres")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
