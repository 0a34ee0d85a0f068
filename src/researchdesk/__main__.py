"""`python -m researchdesk` runs the command line."""

from researchdesk.cli import main

main()
