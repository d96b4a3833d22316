"""mlstats: command-line statistics for machine-learning work."""

__version__ = "0.1.0"
