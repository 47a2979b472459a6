"""Persistence: SQLAlchemy 2 models, repositories, the unit of work and Alembic migrations.

The only package that imports SQLAlchemy and Alembic. It knows nothing of BPMN or HTTP.
"""
