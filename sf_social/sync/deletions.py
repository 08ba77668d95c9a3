"""Intake's part of deleted and edited posts (design rule 11; ``sf_social.deletions``).

A source's batch may report posts their authors deleted or edited. Each known post gets
an update-only plan (its Task's text replaced, the Case it opened, as the thread state's
``opened_by`` tells, kept with a note),
queued in the same transaction as the batch, under the ledger entry of the event (so a
re-read event is not applied twice) and in its thread's order. Once committed, the local
copy of a deleted post goes: its pending write and dead letter are dropped and its ledger
entry becomes ``erased`` (``StateStore.erase_person`` with the post's key), so neither a
re-read nor a replay brings it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sf_social.deletions import PostDeletion, deletion_plan
from sf_social.lead_form_plan import blank_form_leads
from sf_social.lead_forms import is_form_lead_key
from sf_social.posts import Network
from sf_social.state import QueuedPlan, SeenPost, StateStore
from sf_social.state.privacy import PersonMatch, case_keys_of
from sf_social.sync.thread_rules import split_case_key


@dataclass
class DeletionPlans:
    """What a batch's deletions add to its transaction, and what goes after it."""

    posts: list[SeenPost] = field(default_factory=list)
    plans: list[QueuedPlan] = field(default_factory=list)
    deleted: set[tuple[Network, str]] = field(default_factory=set)
    """The posts deleted: those of the same batch are not planned at all."""

    @property
    def deleted_keys(self) -> frozenset[str]:
        return frozenset(PostDeletion(network=n, post_id=i).post_key for n, i in self.deleted)


def plan_deletions(
    store: StateStore, deletions: Sequence[PostDeletion], *, delete_leads: bool = False
) -> DeletionPlans:
    """The update-only plans of the deletions and edits of posts the ledger knows; with
    ``delete_leads`` (the playbook's ``lead_forms.deleted_responses``), a deleted lead form
    response's Lead is deleted rather than blanked."""
    out = DeletionPlans()
    if not deletions:
        return out
    known = store.ledger((d.network.value, d.post_id) for d in deletions)
    roots = {split_case_key(k)[0] for e in known.values() for k in case_keys_of(e.keys)}
    threads = store.threads(roots)
    for deletion in deletions:
        if deletion.deleted:
            out.deleted.add((deletion.network, deletion.post_id))
        entry = known.get((deletion.network.value, deletion.post_id))
        if entry is None:
            continue  # never written: nothing to change in the org
        cases = sorted(case_keys_of(entry.keys))
        roots_of = [split_case_key(k)[0] for k in cases]
        opened = [
            t.case_key
            for r in roots_of
            if (t := threads.get(r)) is not None and t.opened_by == deletion.post_key
        ]
        plan = deletion_plan(deletion, opened[0] if opened else None)
        if deletion.deleted:  # a lead form response's person: their Lead is blanked too
            plan = blank_form_leads(plan, entry.keys, delete=delete_leads)
        leads = sorted(k for k in entry.keys if is_form_lead_key(k))
        order = roots_of[0] if roots_of else leads[0] if leads else deletion.post_key
        out.posts.append(SeenPost(deletion.network.value, deletion.event_id, plan.post_key))
        out.plans.append(QueuedPlan(plan, order))
    return out


def forget_deleted(store: StateStore, plans: DeletionPlans) -> int:
    """Drop the local copy of the deleted posts (after the batch's commit); how many were
    pending or dead letters."""
    keys = plans.deleted_keys
    if not keys:
        return 0
    done = store.erase_person(PersonMatch(frozenset(), post_keys=keys))
    return done.outbox + done.dead_letters
