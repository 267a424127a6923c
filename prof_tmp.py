import cProfile, pstats, io, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
import django; django.setup()
from django.test import Client
from django.conf import settings
settings.ALLOWED_HOSTS=["*"]
from users.models import User
from cases.models import Case
u = User.objects.get(username="bench_agent_1_1")
probe = Case.objects.filter(short_description__startswith="Bench probe").order_by("-id").first()
c = Client(); c.force_login(u)
mode = sys.argv[1]
def detail():
    r1 = c.get(f"/api/v1/cases/{probe.pk}/"); r2 = c.get(f"/api/v1/cases/{probe.pk}/activity/")
    assert r1.status_code == 200 and r2.status_code == 200, (r1.status_code, r2.content[:200])
from users.models import AssignmentGroup
g = AssignmentGroup.objects.get(name="Bench Tier 1")
contact = probe.contact_id or __import__("customers.models").models.Contact.objects.first().pk
def lst():
    r = c.get(f"/api/v1/cases/?assignment_group={g.pk}&state_category=open"); assert r.status_code == 200
def create():
    r = c.post("/api/v1/cases/", {"short_description": "x", "contact": contact, "assignment_group": g.pk, "impact": 2, "urgency": 2}, content_type="application/json"); assert r.status_code == 201, r.content
fn = {"detail": detail, "list": lst, "create": create}[mode]
for _ in range(10): fn()
t=time.perf_counter(); n=50
for _ in range(n): fn()
print(mode, "ms", (time.perf_counter()-t)/n*1000)
pr = cProfile.Profile(); pr.enable()
for _ in range(30): fn()
pr.disable()
s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(45); print(s.getvalue()[:9000])
