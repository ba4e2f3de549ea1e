"""The fault engine: which requests get latency, errors, 429s or an applied-then-dropped create.

A configuration is a list of rules plus a few named switches. A rule selects requests
(platform, ``"METHOD /path-glob"`` relative to the platform prefix, account by username or id)
and says what happens to them. ``count`` limits a rule to the next N matching requests and
``rate`` makes it fire with a probability, so tests can choose between deterministic and
statistical faults. Accepted request bodies::

    {"rules": [{"platform": "x", "match": "POST /2/tweets", "account": "smo_demo",
                "count": 1, "rate": 1.0,
                "latency_ms": {"mean": 300, "jitter": 100, "distribution": "uniform"},
                "error_rates": {"500": 0.05, "503": 0.02},
                "rate_limited": {"reset_in_s": 30},
                "apply_then_hang": {"hang_s": 30}}],
     "seed": 42, "x_duplicate_check": false}

or a single rule at the top level (``{"platform": "x", "latency_ms": 300}``), or a list of rules.
"""

from __future__ import annotations

import fnmatch
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from .state import Account

RULE_KEYS = {"platform", "match", "account", "count", "rate", "name",
             "latency_ms", "error_rates", "rate_limited", "apply_then_hang"}
EFFECT_KEYS = {"latency_ms", "error_rates", "rate_limited", "apply_then_hang"}
TOP_LEVEL_KEYS = {"rules", "seed"}


class FaultConfigError(ValueError):
    """The submitted configuration is malformed; the control API answers 400 with the message."""


@dataclass
class Rule:
    raw: dict[str, Any]
    platform: str | None = None
    method: str | None = None
    path_glob: str | None = None
    account: str | None = None
    remaining: int | None = None  # None: unlimited
    rate: float = 1.0
    latency: tuple[float, float, str] | None = None  # mean ms, jitter ms, distribution
    error_rates: list[tuple[int, float]] = field(default_factory=list)
    rate_limited_until: int | None = None
    hang_s: float | None = None
    fired: int = 0

    def selects(self, platform: str, method: str, path: str, account: Account | None) -> bool:
        if self.platform and self.platform != platform:
            return False
        if self.method and self.method != method:
            return False
        if self.path_glob and not fnmatch.fnmatchcase(path, self.path_glob):
            return False
        if self.account:
            wanted = self.account.lstrip("@").lower()
            if account is None or wanted not in (account.id, account.username.lower()):
                return False
        if self.rate_limited_until is not None and time.time() >= self.rate_limited_until:
            return False  # the scripted rate limit has reset: back to normal
        return self.remaining is None or self.remaining > 0

    def describe(self) -> dict[str, Any]:
        info = dict(self.raw)
        info.update({"fired": self.fired, "remaining": self.remaining})
        if self.rate_limited_until is not None:
            info["rate_limited_until"] = int(self.rate_limited_until)
        return info


@dataclass
class Decision:
    """What the middleware does to one request; several fired rules combine."""

    latency_s: float = 0.0
    error_status: int | None = None
    rate_limited_reset: int | None = None
    hang_s: float | None = None
    rules: list[str] = field(default_factory=list)

    @property
    def label(self) -> str | None:
        if self.rate_limited_reset is not None:
            return "rate_limited"
        if self.error_status is not None:
            return f"error_{self.error_status}"
        if self.hang_s is not None:
            return "apply_then_hang"
        return "latency" if self.latency_s else None


class FaultEngine:
    """Holds the current configuration; ``decide`` is called once per platform request."""

    def __init__(self, switch_defaults: dict[str, Any] | None = None,
                 platforms: set[str] | None = None) -> None:
        self.switch_defaults: dict[str, Any] = dict(switch_defaults or {})
        self.platforms = platforms
        self.clear()

    def clear(self) -> None:
        self.rules: list[Rule] = []
        self.switches: dict[str, Any] = {}
        self.seed: int | None = None
        self.rng = random.Random()

    def switch(self, name: str) -> Any:
        return self.switches.get(name, self.switch_defaults.get(name))

    def configure(self, body: Any) -> dict[str, Any]:
        """Replace the configuration with ``body``; raises FaultConfigError on bad input."""
        if isinstance(body, list):
            body = {"rules": body}
        if not isinstance(body, dict):
            raise FaultConfigError("fault configuration must be a JSON object or a list of rules")
        rules_raw = list(body.get("rules") or [])
        single = {k: v for k, v in body.items() if k in RULE_KEYS}
        if single:
            rules_raw.append(single)
        switches = {k: v for k, v in body.items() if k not in RULE_KEYS | TOP_LEVEL_KEYS}
        unknown = sorted(set(switches) - set(self.switch_defaults))
        if unknown:
            raise FaultConfigError(f"unknown keys {unknown}; switches are {sorted(self.switch_defaults)}")
        rules = [parse_rule(raw, index) for index, raw in enumerate(rules_raw)]
        for index, rule in enumerate(rules):
            if self.platforms is not None and rule.platform is not None and rule.platform not in self.platforms:
                raise FaultConfigError(f"rule {index}: unknown platform {rule.platform!r}")
        seed = body.get("seed")
        self.clear()
        self.rules, self.switches, self.seed = rules, switches, seed
        self.rng = random.Random(seed)
        return self.describe()

    def describe(self) -> dict[str, Any]:
        return {
            "rules": [rule.describe() for rule in self.rules],
            "switches": {**self.switch_defaults, **self.switches},
            "seed": self.seed,
        }

    def decide(self, platform: str, method: str, path: str, account: Account | None) -> Decision:
        decision = Decision()
        for index, rule in enumerate(self.rules):
            if not rule.selects(platform, method, path, account):
                continue
            if rule.rate < 1.0 and self.rng.random() >= rule.rate:
                continue
            rule.fired += 1
            if rule.remaining is not None:
                rule.remaining -= 1
            decision.rules.append(rule.raw.get("name") or f"rule{index}")
            self._apply(rule, decision)
        return decision

    def _apply(self, rule: Rule, decision: Decision) -> None:
        if rule.latency:
            mean, jitter, distribution = rule.latency
            if distribution == "normal":
                delay = self.rng.gauss(mean, jitter)
            else:
                delay = self.rng.uniform(mean - jitter, mean + jitter)
            decision.latency_s += max(0.0, delay) / 1000.0
        if rule.rate_limited_until is not None and decision.rate_limited_reset is None:
            decision.rate_limited_reset = int(rule.rate_limited_until)
        if rule.error_rates and decision.error_status is None:
            draw, cumulative = self.rng.random(), 0.0
            for status, probability in rule.error_rates:
                cumulative += probability
                if draw < cumulative:
                    decision.error_status = status
                    break
        if rule.hang_s is not None and decision.hang_s is None:
            decision.hang_s = rule.hang_s


def parse_rule(raw: Any, index: int) -> Rule:
    where = f"rule {index}"
    if not isinstance(raw, dict):
        raise FaultConfigError(f"{where}: must be an object")
    unknown = sorted(set(raw) - RULE_KEYS)
    if unknown:
        raise FaultConfigError(f"{where}: unknown keys {unknown}")
    if not EFFECT_KEYS & set(raw):
        raise FaultConfigError(f"{where}: needs one of {sorted(EFFECT_KEYS)}")
    raw = _lift_trigger(dict(raw), where)
    rule = Rule(raw=raw, platform=raw.get("platform"), account=_opt_str(raw, "account", where))
    rule.method, rule.path_glob = _parse_match(raw.get("match"), where)
    if raw.get("count") is not None:
        rule.remaining = _number(raw["count"], f"{where}.count", integer=True)
    if raw.get("rate") is not None:
        rule.rate = _probability(raw["rate"], f"{where}.rate")
    if "latency_ms" in raw:
        rule.latency = _parse_latency(raw["latency_ms"], where)
    if "error_rates" in raw:
        rule.error_rates = _parse_error_rates(raw["error_rates"], where)
    if "rate_limited" in raw:
        spec = raw["rate_limited"] if isinstance(raw["rate_limited"], dict) else {}
        reset_in = _number(spec.get("reset_in_s", 60), f"{where}.rate_limited.reset_in_s")
        # Whole seconds, so the x-rate-limit-reset header and the actual recovery agree.
        rule.rate_limited_until = math.ceil(time.time() + reset_in)
    if "apply_then_hang" in raw:
        spec = raw["apply_then_hang"] if isinstance(raw["apply_then_hang"], dict) else {}
        rule.hang_s = _number(spec.get("hang_s", 30), f"{where}.apply_then_hang.hang_s")
    return rule


def _lift_trigger(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Accept ``count``/``rate`` written inside an effect (``{"apply_then_hang": {"count": 1}}``)
    as the rule's own trigger, since that is the natural way to write a one-effect rule."""
    for effect in ("rate_limited", "apply_then_hang"):
        spec = raw.get(effect)
        if not isinstance(spec, dict):
            continue
        for key in ("count", "rate"):
            if key in spec:
                if raw.get(key) is not None:
                    raise FaultConfigError(f"{where}: '{key}' given both on the rule and in {effect}")
                raw[key] = spec[key]
    return raw


def _parse_match(match: Any, where: str) -> tuple[str | None, str | None]:
    if match is None:
        return None, None
    if not isinstance(match, str) or not match.strip():
        raise FaultConfigError(f"{where}.match: expected 'METHOD /path' (path may use * globs)")
    parts = match.split()
    if len(parts) == 1:
        return (None, parts[0]) if parts[0].startswith("/") else (parts[0].upper(), None)
    if len(parts) == 2 and parts[1].startswith("/"):
        return parts[0].upper(), parts[1]
    raise FaultConfigError(f"{where}.match: expected 'METHOD /path', got {match!r}")


def _parse_latency(spec: Any, where: str) -> tuple[float, float, str]:
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return float(spec), 0.0, "uniform"
    if not isinstance(spec, dict):
        raise FaultConfigError(f"{where}.latency_ms: a number or {{mean, jitter, distribution}}")
    distribution = spec.get("distribution", "uniform")
    if distribution not in ("uniform", "normal"):
        raise FaultConfigError(f"{where}.latency_ms.distribution: 'uniform' or 'normal'")
    mean = _number(spec.get("mean", 0), f"{where}.latency_ms.mean")
    jitter = _number(spec.get("jitter", 0), f"{where}.latency_ms.jitter")
    return mean, jitter, distribution


def _parse_error_rates(spec: Any, where: str) -> list[tuple[int, float]]:
    if not isinstance(spec, dict) or not spec:
        raise FaultConfigError(f'{where}.error_rates: an object like {{"503": 0.1}}')
    rates: list[tuple[int, float]] = []
    for status, probability in spec.items():
        if not str(status).isdigit() or not 400 <= int(status) <= 599:
            raise FaultConfigError(f"{where}.error_rates: {status!r} is not a 4xx/5xx status")
        rates.append((int(status), _probability(probability, f"{where}.error_rates.{status}")))
    if sum(p for _, p in rates) > 1.0 + 1e-9:
        raise FaultConfigError(f"{where}.error_rates: probabilities add up to more than 1")
    return rates


def _number(value: Any, where: str, *, integer: bool = False) -> Any:
    ok = isinstance(value, int if integer else int | float) and not isinstance(value, bool)
    if not ok or value < 0:
        raise FaultConfigError(f"{where}: expected a non-negative {'integer' if integer else 'number'}")
    return value


def _probability(value: Any, where: str) -> float:
    number = _number(value, where)
    if number > 1:
        raise FaultConfigError(f"{where}: a probability between 0 and 1")
    return float(number)


def _opt_str(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise FaultConfigError(f"{where}.{key}: expected a string")
    return value
