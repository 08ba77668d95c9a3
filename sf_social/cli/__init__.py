"""Command-line interface: ``sf-social``."""
