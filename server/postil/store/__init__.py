"""The annotation store: what the views call to read and write, in modules named for their job.

- `posts`: find or make the post an annotation names; register one from WordPress; list posts.
- `annotations`: create, patch, delete, and read one annotation.
- `queries`: annotation queries (filters, keyset pages, batch walks for exports).
- `replies`: a thread under an annotation, reply counts, the replies to a reader and what
  they have read of them.
- `aggregates`: counts per post, popular passages, whether an author's work is visible.
- `accounts`: users, tokens as sessions (expiry, listing, revoking), passwords, disabling.
- `throttle`: failed sign-ins counted per username and per client address.
- `account_deletion`: delete a whole account; the posts a user's export lists.
- `changes`: the change log every annotation write records, read by live-update streams.
- `groups`: reading groups, their members, roles and invites; hiding a group's annotations.
- `sites`: registered sites (publications), their origins, policy, moderators and members;
  which site a post or an address belongs to.

They take values already checked by `parse` and the viewer as an argument, and raise the
errors of `domain_errors`. Who may see what is decided by the models' query methods
(`Annotation.visible_to`, `Post.known_to`, `Post.shown_url_to`), which every read here uses.
"""

from __future__ import annotations

from . import accounts, changes, groups, sites, throttle
from .account_deletion import account_summary, annotated_posts, delete_account
from .aggregates import annotation_counts, popular_passages, shows_work_of
from .annotations import (
    create_annotation,
    delete_annotation,
    get_owned,
    get_visible,
    resolve,
    update_annotation,
)
from .posts import get_visible_post, posts_page, register_post
from .queries import (
    Page,
    count,
    iterate_by_post,
    newest_update,
    numbered_page,
    page,
    stored_notes,
)
from .replies import (
    mark_read,
    read_until,
    replies_to,
    replies_to_count,
    reply_counts,
    thread,
)

# Joining, leaving, a new role, a group dissolved: what that reader may see changed, so their
# live-update streams answer `reset`.
groups.on_membership_change(lambda _group, user, _change: changes.access_changed(user))

__all__ = ["Page", "account_summary", "accounts", "annotated_posts", "annotation_counts", "changes",
           "count", "create_annotation", "delete_account", "delete_annotation", "get_owned",
           "get_visible", "get_visible_post", "groups", "iterate_by_post", "mark_read",
           "newest_update", "numbered_page", "page", "popular_passages", "posts_page",
           "read_until", "register_post", "replies_to", "replies_to_count", "reply_counts",
           "resolve", "shows_work_of", "sites", "stored_notes", "thread", "throttle",
           "update_annotation"]
