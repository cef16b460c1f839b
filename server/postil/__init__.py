"""Postil: highlights and notes on WordPress articles, kept on a server you control."""

__version__ = "0.1.0"

from .app import create_app  # noqa: E402

__all__ = ["create_app", "__version__"]
