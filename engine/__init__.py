"""The application core of motcua: use cases, transactions, BPMN runtime, deadlines and audit.

Callers (HTTP, CLI, scheduler) use `engine.services.*` for changes and `engine.queries` for reads;
they receive frozen dataclasses from `engine.results`, never ORM rows or SpiffWorkflow objects.
"""
