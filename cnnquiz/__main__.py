"""``python -m cnnquiz`` runs the command line."""

from cnnquiz.cli import main

main()
