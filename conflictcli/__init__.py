"""conflict: a command-line archive and search tool for news about armed conflicts."""

__version__ = "0.1.0"
