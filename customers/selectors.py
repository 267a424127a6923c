"""Every read of customer data, already scoped to the reader (out of scope is 404)."""
from django.db.models import Q, QuerySet

from customers import permissions
from customers.models import Account, AccountRelationship, Consumer, Contact, ContactRelationship, Location


def account_list_for_user(*, user) -> QuerySet[Account]:
    qs = Account.objects.select_related("parent", "primary_contact")
    if user.has_perm("customers.view_account"):
        return qs
    return qs.filter(permissions.account_scope_q(user))


def account_get_for_user(*, user, pk: int) -> Account:
    return account_list_for_user(user=user).get(pk=pk)


def account_descendants(*, account: Account) -> QuerySet[Account]:
    return Account.objects.filter(path__startswith=account.path).exclude(pk=account.pk)


def contact_list_for_user(*, user) -> QuerySet[Contact]:
    qs = Contact.objects.select_related("account", "user")
    if user.has_perm("customers.view_contact"):
        return qs
    return qs.filter(
        Q(user=user)
        | permissions.administered_account_q(user, field="account")
        | permissions.partnered_account_q(user, field="account")
    )


def contact_list_on_behalf_for_user(*, user) -> QuerySet[Contact]:
    """The other people this user may open a case for (reference 6: customer admins for contacts
    of their accounts and child accounts, partners for contacts of related customer accounts):
    the active contacts of `contact_list_for_user` minus their own. Empty for a plain customer or
    a consumer. `cases.services.case_create` applies the same scope when the case is opened."""
    return (
        contact_list_for_user(user=user).filter(active=True).exclude(user=user)
        .order_by("account__name", "last_name", "first_name", "pk")
    )


def consumer_list_for_user(*, user) -> QuerySet[Consumer]:
    qs = Consumer.objects.select_related("user")
    if user.has_perm("customers.view_consumer"):
        return qs
    return qs.filter(user=user)


def location_list_for_user(*, user) -> QuerySet[Location]:
    qs = Location.objects.select_related("account", "consumer")
    if user.has_perm("customers.view_location"):
        return qs
    return qs.filter(
        Q(account__isnull=False) & permissions.account_scope_q(user, field="account") | Q(consumer__user=user)
    )


def contact_relationship_list_for_user(*, user) -> QuerySet[ContactRelationship]:
    qs = ContactRelationship.objects.select_related("contact", "contact__account", "account")
    return qs if user.has_perm("customers.view_contactrelationship") else qs.none()


def account_relationship_list_for_user(*, user) -> QuerySet[AccountRelationship]:
    qs = AccountRelationship.objects.select_related("from_account", "to_account")
    return qs if user.has_perm("customers.view_accountrelationship") else qs.none()
