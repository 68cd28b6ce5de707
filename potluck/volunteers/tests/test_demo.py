from io import StringIO
from math import asin, cos, radians, sin, sqrt

import pytest
from django.core.management import call_command

from potluck.networks.models import Network
from potluck.volunteers.models import VolunteerProfile

pytestmark = pytest.mark.django_db


def run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def km(a: list[float], b: list[float]) -> float:
    (lat1, lon1), (lat2, lon2) = (map(radians, a), map(radians, b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * asin(sqrt(h))


def test_demo_volunteers_have_profiles_and_neighbourhoods_have_places():
    run_demo()
    riverside = Network.objects.get(slug="riverside")
    profiles = VolunteerProfile.objects.filter(network=riverside)

    assert set(riverside.area_locations) == set(riverside.areas)
    points = list(riverside.area_locations.values())
    distances = [km(a, b) for i, a in enumerate(points) for b in points[i + 1 :]]
    assert min(distances) > 1
    assert max(distances) < 10
    assert profiles.count() == 4
    assert {p.travel for p in profiles} == {"car", "bike", "foot"}
    assert any("es" in p.languages for p in profiles)
    assert profiles.exclude(slots=[]).count() >= 3
    assert all(p.categories and p.languages for p in profiles)


def test_an_older_demo_install_gets_profiles_on_the_next_run():
    run_demo()
    VolunteerProfile.objects.all().delete()
    Network.objects.filter(slug="riverside").update(area_locations={})

    assert "Demo data created." in run_demo()
    assert VolunteerProfile.objects.count() == 4
    assert "already in place" in run_demo()
