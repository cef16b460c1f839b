"""Sign-in throttling: failed attempts counted per username and per client address, in the database.

A guesser meets growing waits: the first `free` failures of a counter cost nothing, then each
further one makes the next attempt wait `delay` seconds, doubled per failure up to `max_delay`.
While a counter makes a caller wait, the attempt is refused before the password is hashed: the
hash (scrypt, ~80 ms of CPU) is what made every guess a load on the server, and a right password
is refused like a wrong one, so waiting cannot be skipped by guessing well. A counter is
forgotten a day after its last failure; a username's is reset by signing in.

Counters live in `sign_in_throttle`, so every server process (and a restarted one) throttles
alike. Checking is one read; only a failure writes (through `run_write`).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from .. import models
from ..db import database, run_write
from ..domain_errors import TooManyAttempts
from ..validation import username_key

FORGET_US = 24 * 3600 * 1_000_000


@dataclass(frozen=True, slots=True)
class Policy:
    """How many failures are free, per username and per address, and how the waits grow."""

    free: int = 5
    address_free: int = 20
    delay: float = 1.0
    max_delay: float = 900.0

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(free=config.get("SIGNIN_FREE_FAILURES", cls.free),
                   address_free=config.get("SIGNIN_ADDRESS_FREE_FAILURES", cls.address_free),
                   delay=config.get("SIGNIN_DELAY_SECONDS", cls.delay),
                   max_delay=config.get("SIGNIN_MAX_DELAY_SECONDS", cls.max_delay))

    def wait_us(self, failures: int, free: int) -> int:
        """How long after the last of `failures` failures the next attempt must wait."""
        if failures <= free:
            return 0
        extra = failures - free - 1
        seconds = self.max_delay if extra >= 64 else min(self.delay * 2 ** extra, self.max_delay)
        return int(seconds * 1_000_000)


def user_key(name: str) -> str:
    return "user:" + username_key(name)[:200]


def address_key(address: str | None) -> str:
    """The counter of a client address; an IPv6 client counts by its /64, which one host
    usually holds whole (counting single addresses would give it 2^64 counters)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "addr:" + (address or "unknown")[:200]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return "addr:" + str(ip.ipv4_mapped)
        return "addr:" + str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return "addr:" + str(ip)


def check(policy: Policy, *, username: str | None, address: str | None) -> None:
    """Raise TooManyAttempts if the username's or the address's counter says to wait."""
    keys = {address_key(address): policy.address_free}
    if username is not None:
        keys[user_key(username)] = policy.free
    p = database.param
    rows = database.execute_sql(
        f"SELECT key, failures, last_failure_us FROM sign_in_throttle "
        f"WHERE key IN ({', '.join([p] * len(keys))})", list(keys)).fetchall()
    now = models.now_us()
    until = 0
    for key, failures, last in rows:
        if now - last >= FORGET_US:
            continue
        until = max(until, last + policy.wait_us(failures, keys[key]))
    if until > now:
        wait = max(1, math.ceil((until - now) / 1_000_000))
        raise TooManyAttempts(f"too many failed sign-ins; try again in {_duration(wait)}", wait)


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def record_failure(*, username: str | None, address: str | None) -> None:
    """Count one failure against the username (if given) and the address."""
    keys = [address_key(address)] + ([user_key(username)] if username is not None else [])
    now = models.now_us()
    p = database.param

    def write() -> None:
        # Counts a day old are forgotten anyway: dropping them keeps a guesser who tries many
        # made-up names from growing the table without end.
        database.execute_sql(f"DELETE FROM sign_in_throttle WHERE last_failure_us <= {p}",
                             [now - FORGET_US])
        for key in keys:
            database.execute_sql(
                f"INSERT INTO sign_in_throttle (key, failures, last_failure_us) "
                f"VALUES ({p}, 1, {p}) ON CONFLICT (key) DO UPDATE SET "
                f"failures = CASE WHEN sign_in_throttle.last_failure_us <= {p} THEN 1 "
                f"ELSE sign_in_throttle.failures + 1 END, "
                f"last_failure_us = excluded.last_failure_us",
                [key, now, now - FORGET_US])

    run_write(write)


def reset_user(username: str) -> None:
    """Forget the username's failures: its owner has just proven who they are."""
    key = user_key(username)

    def write() -> None:
        database.execute_sql(f"DELETE FROM sign_in_throttle WHERE key = {database.param}", [key])

    run_write(write)
