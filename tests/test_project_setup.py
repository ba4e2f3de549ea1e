"""The set-up pieces: vendored front-end files, no CDN, and the docker-compose layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.vendor import FILES, copy_vendor

ROOT = Path(__file__).resolve().parent.parent


def fake_node_modules(root: Path) -> Path:
    for source in FILES:
        (root / source).parent.mkdir(parents=True, exist_ok=True)
        (root / source).write_text(f"/* {source} */")
    return root


def test_vendor_copies_every_file_once(tmp_path: Path) -> None:
    node_modules, vendor = fake_node_modules(tmp_path / "node_modules"), tmp_path / "vendor"
    assert copy_vendor(node_modules, vendor) == len(FILES)
    assert (vendor / "bootstrap/bootstrap.min.css").read_text() == "/* bootstrap/dist/css/bootstrap.min.css */"
    assert copy_vendor(node_modules, vendor) == 0  # up to date: nothing copied again


def test_vendor_names_what_is_missing(tmp_path: Path) -> None:
    node_modules = fake_node_modules(tmp_path / "node_modules")
    (node_modules / "chart.js/dist/chart.umd.min.js").unlink()
    with pytest.raises(SystemExit, match=r"npm ci.*chart\.js/dist/chart\.umd\.min\.js"):
        copy_vendor(node_modules, tmp_path / "vendor")


def test_templates_load_no_third_party_origin() -> None:
    remote = re.compile(r"""<(?:script|link)[^>]+(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)
    offenders = [str(path) for path in (ROOT / "templates").rglob("*.html") if remote.search(path.read_text())]
    assert offenders == []


def test_compose_services_share_one_image_and_env_file() -> None:
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    smo = {"migrate", "web", "worker-publish", "worker-sync", "beat", "sandbox"}
    assert smo | {"postgres", "redis"} == set(services)
    assert {services[name]["image"] for name in smo} == {"smo:latest"}
    assert {services[name]["env_file"] for name in smo} == {".env.docker"}
    assert services["sandbox"]["profiles"] == ["sandbox"]
    assert services["worker-publish"]["command"][3:9] == ["worker", "-Q", "publish", "-P", "threads", "-c"]
    assert services["web"]["command"][:2] == ["gunicorn", "smo.wsgi"]
