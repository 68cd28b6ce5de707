"""get_<field>_display() on Potluck's models (BaseModel._get_FIELD_display)."""

import pytest
from django.utils import translation

from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "category", "urgency", "status"),
    [
        ("en", "Groceries", "Today", "Open"),
        ("es", "Comestibles", "Hoy", "Abierta"),
    ],
)
def test_labels_follow_the_language_of_the_moment(network, language, category, urgency, status):
    need = NeedFactory.create(network=network, category="groceries", urgency="today")
    with translation.override(language):
        assert need.get_category_display() == category
        assert need.get_urgency_display() == urgency
        assert need.get_status_display() == status
    # The labels are remembered untranslated: switching back gives English again.
    with translation.override("en"):
        assert need.get_category_display() == "Groceries"


def test_a_value_without_a_label_shows_as_it_is(network):
    need = Need(network=network, category="not-a-category", status=Need.Status.OPEN)
    assert need.get_category_display() == "not-a-category"
