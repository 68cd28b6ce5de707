"""The `potluck` command: Django's manage.py under a friendlier name."""

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = ["potluck", *sys.argv[1:]]
    # `potluck rotate-keys` reads better than rotate_keys; Django's own names have no hyphens.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)
    return 0
