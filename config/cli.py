"""The `potluck` command: Django's manage.py under a friendlier name."""

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = ["potluck", *sys.argv[1:]]
    execute_from_command_line(argv)
    return 0
