"""Where the stock floor's database is (no Django import: settings and the seed use it)."""
import os
from urllib.parse import urlsplit, urlunsplit


def stock_database_url(product_url: str | None = None) -> str:
    """STOCK_DATABASE_URL, or the product's DATABASE_URL with `_stock` appended to its name."""
    explicit = os.environ.get("STOCK_DATABASE_URL")
    if explicit and product_url is None:
        return explicit
    url = product_url or os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise RuntimeError(f"the stock floor runs on PostgreSQL only, not on {parts.scheme}")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_stock"))
