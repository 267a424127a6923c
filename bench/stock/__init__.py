"""The stock floor: a minimal Django project outside the product (bench/README.md, "The stock
floor"). Its own settings, urls, wsgi and one app (`bench.stock.floor`); it never imports the
product's apps. PostgreSQL only."""
