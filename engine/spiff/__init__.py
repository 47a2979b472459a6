"""The only package that speaks SpiffWorkflow and lxml. Nothing from them leaves it."""
