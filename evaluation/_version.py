"""The package version (one place; read by the CLI, reports and the index)."""

__version__ = "0.1.0"
