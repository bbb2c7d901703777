"""A process that stops in the middle of its work, for the tests that kill one there.

Run as `python -m portal.tests.pause celery <celery arguments>` (a worker) or
`python -m portal.tests.pause call <module:function> <json kwargs>` (a plain process), with

- PAUSE_IN="module:attribute.path": the function to stop in; it runs, then the process writes
  PAUSE_MARKER (its pid) and sleeps, inside whatever transaction the function was called in;
- PAUSE_MARKER: that file. A process finding it already there does not stop again (a worker's
  replacement child redoes the task to the end).

Only tests start this module; nothing in the portal reads these variables or sleeps.
"""

import json
import os
import sys
import time
from functools import wraps
from importlib import import_module
from pathlib import Path

PAUSE_SECONDS = 300
_installed = False


def install() -> None:
    """Wrap the function named by PAUSE_IN (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    module_name, _, path = os.environ["PAUSE_IN"].partition(":")
    marker = Path(os.environ["PAUSE_MARKER"])
    owner = import_module(module_name)
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part)
    original = getattr(owner, name)

    @wraps(original)
    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(PAUSE_SECONDS)
        return result

    setattr(owner, name, paused)


def _install_before_task(**_kwargs) -> None:
    install()


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    mode, *rest = argv
    if mode == "celery":
        from celery import signals
        from celery.__main__ import main as celery_main

        # In the process that runs the task (a prefork child, or the solo worker itself).
        signals.task_prerun.connect(_install_before_task, weak=False)
        sys.argv = ["celery", *rest]
        celery_main()
    elif mode == "call":
        import django

        django.setup()
        install()
        module_name, _, function = rest[0].partition(":")
        getattr(import_module(module_name), function)(**json.loads(rest[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
