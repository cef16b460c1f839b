"""Postil: highlights and notes on WordPress articles, kept on a server you control."""

__version__ = "0.1.0"

__all__ = ["create_app", "__version__"]


def __getattr__(name: str):
    # `from postil import create_app` loads the whole app (Flask, every view, the exports' and
    # sanitiser's libraries) on first use only: `postil --help` and the commands that never
    # build an app need none of it.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
