"""Copy the front-end files SMO serves from node_modules/ into static/vendor/ (git-ignored).

The npm packages are pinned by package-lock.json; this list picks the prebuilt browser files out of
them, so templates load `{% static 'vendor/…' %}` with no bundler and never a CDN.
htmx is not here: django-htmx ships it (`{% htmx_script %}`).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# source under node_modules/ -> destination under static/vendor/
FILES: dict[str, str] = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap/LICENSE": "bootstrap/LICENSE",
    "alpinejs/dist/cdn.min.js": "alpinejs/alpine.min.js",
    "chart.js/dist/chart.umd.min.js": "chart.js/chart.umd.min.js",
    "chart.js/LICENSE.md": "chart.js/LICENSE.md",
    "@fullcalendar/core/index.global.min.js": "fullcalendar/core.global.min.js",
    "@fullcalendar/core/LICENSE.md": "fullcalendar/LICENSE.md",
    "@fullcalendar/daygrid/index.global.min.js": "fullcalendar/daygrid.global.min.js",
    "@fullcalendar/timegrid/index.global.min.js": "fullcalendar/timegrid.global.min.js",
    "@fullcalendar/list/index.global.min.js": "fullcalendar/list.global.min.js",
    "@fullcalendar/interaction/index.global.min.js": "fullcalendar/interaction.global.min.js",
}


def copy_vendor(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> int:
    """Copy every file in FILES that is missing or stale; return how many were copied."""
    missing = [source for source in FILES if not (node_modules / source).is_file()]
    if missing:
        raise SystemExit(f"vendor: missing in {node_modules} (run `npm ci`): {', '.join(missing)}")
    copied = 0
    for source, destination in FILES.items():
        src, dst = node_modules / source, vendor / destination
        if dst.is_file() and dst.stat().st_size == src.stat().st_size and dst.stat().st_mtime >= src.stat().st_mtime:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        copied += 1
    return copied


if __name__ == "__main__":
    count = copy_vendor()
    if count:
        print(f"vendor: copied {count} file(s) into {VENDOR.relative_to(ROOT)}/", file=sys.stderr)
