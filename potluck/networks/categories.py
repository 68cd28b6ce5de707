"""The need categories a network can use, with translated names."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    GROCERIES = "groceries", _("Groceries")
    MEALS = "meals", _("Meals")
    PRESCRIPTIONS = "prescriptions", _("Prescriptions")
    RIDES = "rides", _("Rides")
    HOUSING = "housing", _("Housing")
    CHILDCARE = "childcare", _("Childcare")
    MONEY = "money", _("Money")
    ERRANDS = "errands", _("Errands")
    CHECK_IN = "check_in", _("Check-in calls")
    TRANSLATION = "translation", _("Translation")
    BENEFITS = "benefits", _("Benefits help")
    OTHER = "other", _("Other")


def default_categories() -> list[str]:
    return list(Category.values)
