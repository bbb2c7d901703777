"""Project configuration, apart from the apps: settings, root urls, the Celery app, WSGI, ASGI."""

# Loaded with the settings, so the Celery app exists (and is the current app that @shared_task
# binds to) whenever Django starts, as Celery's "First steps with Django" recommends.
from config.celery import app as celery_app

__all__ = ("celery_app",)
