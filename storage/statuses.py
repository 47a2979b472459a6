"""The statuses a work item, a timer and a role grant row can have.

They live in `storage` because both sides use them: the repositories select rows by status
(open work items, pending timers), and the engine moves rows from one status to the next.
Members are strings, so a row read back (a plain `str`) compares equal to them.
"""

from __future__ import annotations

from enum import StrEnum


class WorkItemStatus(StrEnum):
    """A user task of a dossier, as the officers' work list shows it."""

    OPEN = "open"  # READY in the workflow: claimable, completable
    COMPLETED = "completed"  # an officer completed it
    CANCELLED = "cancelled"  # the workflow moved on without it (a timer, a gateway, ...)


class TimerStatus(StrEnum):
    """A BPMN timer of a dossier, as the scheduler reads it."""

    PENDING = "pending"  # waiting in the workflow: the scheduler fires it when due
    FIRED = "fired"
    CANCELLED = "cancelled"  # the workflow stopped waiting for it
    FAILED = "failed"  # firing kept failing: parked until an administrator resumes it


class RoleGrantStatus(StrEnum):
    """A request for a privileged role (auditor, admin), decided by another administrator."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class OutboxState(StrEnum):
    """A message to another system, as the dispatcher reads it."""

    PENDING = "pending"  # to deliver: now, or at `next_attempt_at` after a failure
    DELIVERED = "delivered"  # the peer answered 2xx
    DEAD = "dead"  # too old, or its payload cannot be mapped: parked until retried on demand
