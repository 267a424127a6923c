"""`bench.stock.wsgi:application`: the stock floor under a WSGI server (gunicorn)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.stock.settings")
application = get_wsgi_application()
