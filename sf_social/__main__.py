"""``python -m sf_social`` runs the ``sf-social`` command."""

from sf_social.cli.main import main

main()
