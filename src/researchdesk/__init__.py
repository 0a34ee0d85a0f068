from researchdesk.cli import main
