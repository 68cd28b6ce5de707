import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Django, the apps and their templates are loaded now and live as long as the process: move
# them out of the garbage collector's sight, so its full collections (pauses of tens of
# milliseconds in the middle of a request) walk only what requests create.
gc.freeze()
