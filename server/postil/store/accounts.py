"""Accounts and sessions: who a token belongs to (unless it expired), one's sessions, passwords.

A session is a token. It expires `idle` after it was last used, or `max_age` after it was made,
whichever is sooner (0 turns either off); an expired token, or one of a disabled user, finds no
user, exactly as a signed-out one. `last_used_us` is written at most once a `TOUCH_US` per token,
so that reading does not become writing. Passwords are hashed by the caller, before any write:
a hash costs ~80 ms, which must never be spent holding the write lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import IntegrityError, fn

from .. import models
from ..db import database, run_write
from ..domain_errors import Conflict, NotFound
from ..models import Token, User
from . import changes, throttle

DAY_US = 24 * 3600 * 1_000_000
TOUCH_US = 60 * 1_000_000


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """How long a token lives unused (`idle_us`) and at most (`max_us`); 0 means no limit."""

    idle_us: int = 30 * DAY_US
    max_us: int = 365 * DAY_US

    @classmethod
    def from_config(cls, config) -> TokenPolicy:
        return cls(idle_us=int(config.get("TOKEN_IDLE_DAYS", 30) * DAY_US),
                   max_us=int(config.get("TOKEN_MAX_DAYS", 365) * DAY_US))

    def expires_us(self, token: Token) -> int | None:
        """When the token stops working if it is not used before; None: never."""
        ends = []
        if self.max_us:
            ends.append(token.created_us + self.max_us)
        if self.idle_us:
            ends.append((token.last_used_us or token.created_us) + self.idle_us)
        return min(ends) if ends else None


def session_for(secret: str, policy: TokenPolicy) -> tuple[User, Token] | None:
    """Return the user and token a bearer token names, or None: unknown, expired or disabled."""
    found = Token.user_for(secret)
    if found is None:
        return None
    user, token = found
    now = models.now_us()
    expires = policy.expires_us(token)
    if user.disabled or (expires is not None and now >= expires):
        return None
    # A session the embed's sign-in pop-up made sees its site's posts alone (`User.embed_site`).
    user.embed_site = token.site_id
    if token.last_used_us is None or now - token.last_used_us >= TOUCH_US:
        _touch(token.id, now)
        token.last_used_us = now
    return user, token


def _touch(token_id: int, now: int) -> None:
    p = database.param

    def write() -> None:
        # The condition keeps concurrent requests of one token from each writing.
        database.execute_sql(
            f"UPDATE token SET last_used_us = {p} WHERE id = {p} "
            f"AND (last_used_us IS NULL OR last_used_us <= {p})",
            [now, token_id, now - TOUCH_US])

    run_write(write)


def sessions(user: User, policy: TokenPolicy) -> list[Token]:
    """The user's tokens that still work, the most recently used first."""
    now = models.now_us()
    rows = (Token.select(Token.id, Token.label, Token.created_us, Token.last_used_us)
            .where(Token.user == user.id).order_by(Token.id.desc()))
    alive = [t for t in rows if (policy.expires_us(t) or now + 1) > now]
    return sorted(alive, key=lambda t: t.last_used_us or t.created_us, reverse=True)


def issue_token(user: User, label: str, policy: TokenPolicy | None = None,
                site_id: int | None = None) -> str:
    """Sign the user in: a new token, their failed sign-ins forgotten, and their tokens that
    have expired under `policy` deleted (nothing else ever removes them). `site_id`: a session
    for the embed on that site's pages only (`/embed/signin`)."""
    def write() -> str:
        token = Token.issue(user, label=label, site_id=site_id)
        p = database.param
        database.execute_sql(f"DELETE FROM sign_in_throttle WHERE key = {p}",
                             [throttle.user_key(user.name)])
        if policy is not None:
            now = models.now_us()
            if policy.max_us:
                Token.delete().where((Token.user == user.id)
                                     & (Token.created_us <= now - policy.max_us)).execute()
            if policy.idle_us:
                last = fn.COALESCE(Token.last_used_us, Token.created_us)
                Token.delete().where((Token.user == user.id)
                                     & (last <= now - policy.idle_us)).execute()
        return token

    return run_write(write)


def revoke(user: User, token_id: int) -> None:
    """End one of the user's sessions; another's or an unknown one is NotFound."""
    def write() -> int:
        ended = Token.delete().where((Token.id == token_id) & (Token.user == user.id)).execute()
        if ended:
            changes.session_ended(user.id)
        return ended

    if run_write(write) == 0:
        raise NotFound("no such session")


def revoke_all(user: User, *, keep: int | None = None) -> int:
    """End every session of the user but `keep` (a token id); return how many ended."""
    def write() -> int:
        query = Token.delete().where(Token.user == user.id)
        if keep is not None:
            query = query.where(Token.id != keep)
        ended = query.execute()
        if ended:
            changes.session_ended(user.id)
        return ended

    return run_write(write)


def set_password_hash(user: User, password_hash: str, *, keep: int | None = None) -> None:
    """Store a new password (hashed already) and end every session of the user but `keep`."""
    def write() -> None:
        User.update(password_hash=password_hash).where(User.id == user.id).execute()
        query = Token.delete().where(Token.user == user.id)
        if keep is not None:
            query = query.where(Token.id != keep)
        if query.execute():
            changes.session_ended(user.id)

    run_write(write)
    user.password_hash = password_hash


def set_disabled(user: User, disabled: bool) -> None:
    """Disable (and sign out everywhere) or enable the user."""
    def write() -> None:
        User.update(disabled=disabled).where(User.id == user.id).execute()
        if disabled:
            Token.delete().where(Token.user == user.id).execute()
            changes.session_ended(user.id)  # a ticket's stream has its token, or none

    run_write(write)
    user.disabled = disabled


def create_user(name: str, password_hash: str) -> User:
    """Make a user; Conflict if the name, in any spelling, is taken."""
    def write() -> User:
        # A new row each run: run_write may run this again after a group's rollback.
        user = User(name=name, password_hash=password_hash, created_us=models.now_us())
        user.save()
        return user

    try:
        return run_write(write)
    except IntegrityError:
        raise Conflict("that username is taken") from None
