"""The step kernel: what happens when a dossier moves (docs/architecture.md).

- `causes`: one function per cause of a step (submit, complete a task, re-appoint, deliver a
  supplement, fire due timers, migrate); the live use cases and replay both call them.
- `apply`: the consequences every step applies (statuses, work items, timers, deadlines).
- `deadlines`, `timers`, `reappointments`: the legal clock, timer rows, Mẫu 04.
- `live`: a stored dossier's workflow loaded for a step of a use case.
"""
