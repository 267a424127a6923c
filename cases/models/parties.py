"""Who else is on a case: related parties (reference 10.1) and merges of duplicate cases.

The watch list is `Case.watch_list`; the parent/child link is `Case.parent`."""
from django.db import models
from django.db.models import Q

from cases.models.cases import Case
from core.models import TimeStampedModel
from customers.models import Consumer, Contact
from users.models import User


class PartyType(models.TextChoices):
    AUTHORIZED_CONTACT = "authorized_contact", "Authorized contact"
    AUTHORIZED_CONSUMER = "authorized_consumer", "Authorized consumer"
    LISTED_CONTACT = "listed_contact", "Listed contact"
    LISTED_CONSUMER = "listed_consumer", "Listed consumer"
    CONTRIBUTOR = "contributor", "Contributor (internal user)"


#: Types that give a guardian grant on the case (see and act on the customer side).
AUTHORIZED_TYPES = (PartyType.AUTHORIZED_CONTACT, PartyType.AUTHORIZED_CONSUMER)
CONTACT_TYPES = (PartyType.AUTHORIZED_CONTACT, PartyType.LISTED_CONTACT)
CONSUMER_TYPES = (PartyType.AUTHORIZED_CONSUMER, PartyType.LISTED_CONSUMER)


class CaseRelatedParty(TimeStampedModel):
    """One person related to a case. Exactly one of contact / consumer / user is set, matching
    the type. Written only by cases.services.parties (which also makes and revokes the grant)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="related_parties")
    party_type = models.CharField(max_length=24, choices=PartyType.choices)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="case_parties")
    consumer = models.ForeignKey(
        Consumer, null=True, blank=True, on_delete=models.CASCADE, related_name="case_parties"
    )
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="case_parties",
        help_text="Contributors: the internal user.",
    )
    added_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "case related parties"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "contact"], condition=Q(contact__isnull=False), name="caseparty_unique_contact"
            ),
            models.UniqueConstraint(
                fields=["case", "consumer"], condition=Q(consumer__isnull=False), name="caseparty_unique_consumer"
            ),
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(user__isnull=False), name="caseparty_unique_user"
            ),
            models.CheckConstraint(
                name="caseparty_exactly_one_person",
                condition=(
                    Q(contact__isnull=False, consumer__isnull=True, user__isnull=True)
                    | Q(contact__isnull=True, consumer__isnull=False, user__isnull=True)
                    | Q(contact__isnull=True, consumer__isnull=True, user__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_type_display()}: {self.person}"

    @property
    def person(self):
        return self.contact or self.consumer or self.user

    @property
    def login(self) -> User | None:
        """The login the party acts through (None for a contact or consumer without one)."""
        if self.contact_id:
            return self.contact.user
        if self.consumer_id:
            return self.consumer.user
        return self.user

    @property
    def is_authorized(self) -> bool:
        return self.party_type in AUTHORIZED_TYPES


class CaseMerge(models.Model):
    """`duplicate` was merged into `master`: closed as a duplicate, nothing deleted."""

    duplicate = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="merged_into")
    master = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="merged_duplicates")
    merged_at = models.DateTimeField()
    merged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["merged_at", "id"]

    def __str__(self) -> str:
        return f"{self.duplicate_id} merged into {self.master_id}"
