from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a newcomer's first run (`manage.py load_demo`). No models of its own (so no
    label to translate): it sits on top of every app and calls each app's demo.py in order.
    """

    name = "demo"
