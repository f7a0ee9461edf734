"""`python -m helpdesk.cli` runs the command line, like the `helpdesk` script."""

from helpdesk.cli import main

main()
