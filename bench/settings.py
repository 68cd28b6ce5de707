"""Potluck's settings plus the benchmark's baseline page (bench/baseline_urls.py).

Only the benchmarks use this module (DJANGO_SETTINGS_MODULE=bench.settings); the product's
URLconf never sees the baseline view.
"""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.baseline_urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]  # type: ignore[misc]
