"""Build the Flask application: configuration, host and headers, database, errors, CORS and the
blueprints."""

from __future__ import annotations

import re

from flask import Flask
from flask_cors import CORS

from . import config, db, errors, headers, health, metrics, request_log, site_cors, urls, w3c_cors
from .jsonio import FastJSONProvider

EXTENSION_ORIGINS = (
    re.compile(r"^chrome-extension://[a-p]{32}$"),
    re.compile(r"^moz-extension://[0-9a-f-]{36}$"),
)

cors = CORS()


def create_app(test_config: dict | None = None, *, views: bool = True) -> Flask:
    """Create the app from `POSTIL_*` variables, overridden by `test_config`.

    `views=False` leaves out the blueprints (the API, the pages, their modules and libraries,
    and Werkzeug's compiling of every route): for `postil` commands that work on the database
    in an app context and answer no request, it halves their start-up.
    """
    app = Flask(__name__)
    app.json = FastJSONProvider(app)
    app.config.from_mapping(config.from_env())
    if test_config:
        app.config.from_mapping(test_config)

    # First: its clock starts before the host check and the database connection.
    metrics.init_app(app)
    urls.init_app(app)
    headers.init_app(app)
    db.init_app(app)
    health.init_app(app)
    errors.init_app(app)
    request_log.init_app(app)
    # Registered sites' pages, for the embed's endpoints: after flask-cors has answered.
    site_cors.init_app(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": [*EXTENSION_ORIGINS, *app.config["CORS_ORIGINS"]]},
                   # Any page may ask which site it is on (the embed, a plugin's settings).
                   r"/api/sites/lookup": {"origins": "*", "send_wildcard": True},
                   **w3c_cors.RESOURCES},
        allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match",
                       "Last-Event-ID"],
        expose_headers=["ETag", "Location", "Content-Disposition", "Retry-After"],
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )

    from . import live

    live.configure(app)
    if not views:
        return app

    from . import (
        account_api,
        api,
        embed,
        embed_signin,
        export_api,
        groups_api,
        home,
        moderation_api,
        openapi,
        sessions_api,
        sites_api,
        stream_api,
        w3c,
    )

    app.register_blueprint(home.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(embed_signin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sessions_api.bp)
    app.register_blueprint(w3c.bp)
    app.register_blueprint(export_api.bp)
    app.register_blueprint(account_api.bp)
    app.register_blueprint(groups_api.bp)
    app.register_blueprint(stream_api.bp)
    app.register_blueprint(sites_api.bp)
    app.register_blueprint(moderation_api.bp)
    app.register_blueprint(moderation_api.page_bp)
    openapi.init_app(app)
    if app.config.get("SAMPLE", True):
        try:
            from . import sample
        except ImportError:
            sample = None
        if sample is not None and hasattr(sample, "bp"):
            app.register_blueprint(sample.bp)
    return app
