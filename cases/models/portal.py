"""What the customer portal adds to a case: the catalog request behind it (the item and the
answers to its questions) and the one satisfaction survey. Written only by
cases.services.catalog_submit and cases.services.surveys."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cases.models.cases import Case
from catalog.models import CatalogItem
from users.models import User


class CatalogRequest(models.Model):
    """The catalog item a case was requested from, with the answers as given (reference 3.1:
    the case is the parent of the request). `answers` is a list of {name, label, kind, value} in
    the item's question order, labels copied so that editing the item later does not change what
    the customer was asked."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="catalog_request")
    item = models.ForeignKey(CatalogItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item_name = models.CharField(max_length=200)
    answers = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.item_name} ({self.case_id})"


class CaseSurvey(models.Model):
    """The customer satisfaction survey of a case: one per case, ever (reference 6)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="survey")
    respondent = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="casesurvey_rating_1_5")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.rating}/5"
