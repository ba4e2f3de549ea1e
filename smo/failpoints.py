"""Named failpoints for crash testing: kill the current process at an exact step of the engine.

Only active when SMO_FAILPOINTS is set (e.g. `publish.after_send=kill`); the chaos tests set it on
the worker processes they start. It is read on every call, never cached, so it costs one dict
lookup when unset.
"""

from __future__ import annotations

import os
import signal


def failpoint(name: str) -> None:
    spec = os.environ.get("SMO_FAILPOINTS")
    if not spec:
        return
    actions = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    if actions.get(name) == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
