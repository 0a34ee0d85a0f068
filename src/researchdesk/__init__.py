"""ResearchDesk: the working desk of a local-government research service."""
