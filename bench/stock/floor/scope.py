"""Who sees which case on the floor: agents (`is_staff`) every case; the customer side the cases
opened for them (their contact or consumer) or by them, cases they are a granted party of, every
case of an account they administer (and the accounts below it), of an account they act as partner
for, and cases naming their account as partner (partners) — the product's customer scope.

The person's ids are read first (a few indexed lookups), then the case table is filtered on its
own columns only (`opened_by = … OR contact_id IN (…) OR …`): one index arm per way in. The same
conditions as joins or IN-subqueries would make PostgreSQL scan the whole table."""
from django.db.models import Q, QuerySet

from bench.stock.floor.models import Account, AccountGrant, Case, CaseGrant, Consumer, Contact

PARTNER_ROLES = ("partner", "partner_admin")


def is_agent(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def case_scope_q(user) -> Q:
    contacts = list(Contact.objects.filter(user=user).values_list("id", "account_id"))
    q = Q(opened_by=user)
    if contacts:
        q |= Q(contact_id__in=[pk for pk, _ in contacts])
    consumers = list(Consumer.objects.filter(user=user).values_list("id", flat=True))
    if consumers:
        q |= Q(consumer_id__in=consumers)
    granted = list(CaseGrant.objects.filter(user=user).values_list("case_id", flat=True))
    if granted:
        q |= Q(pk__in=granted)
    grants = list(AccountGrant.objects.filter(user=user).values_list("kind", "account_id", "account__path"))
    paths = [path for kind, _, path in grants if kind == AccountGrant.ADMIN]
    accounts = [account for kind, account, _ in grants if kind == AccountGrant.PARTNER]
    if paths:
        below = Q()
        for path in paths:
            below |= Q(path__startswith=path)
        accounts += list(Account.objects.filter(below).values_list("id", flat=True))
    if accounts:
        q |= Q(account_id__in=sorted(set(accounts)))
    if contacts and user.groups.filter(name__in=PARTNER_ROLES).exists():
        q |= Q(partner_id__in=sorted({account for _, account in contacts}))
    return q


def cases_for(user) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    if is_agent(user):
        return Case.objects.all()
    return Case.objects.filter(case_scope_q(user))


def events_for(user, case: Case):
    events = case.events.all()
    return events if is_agent(user) else events.filter(customer_visible=True)
