"""Requests: members, the workflow, the research plan and the scan."""
