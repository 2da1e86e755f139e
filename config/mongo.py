"""MongoDB connection: a real server when MONGODB_URI is set, in-memory mongomock-ng otherwise."""
from __future__ import annotations

import importlib
import logging
import warnings

import mongoengine
from django.conf import settings

logger = logging.getLogger(__name__)

# Set by the one-process servers (`manage.py serve`, the test suite) that may hold embedded
# mode's data; config.wsgi refuses embedded mode without it.
EMBEDDED_SERVER_FLAG = "LMS_EMBEDDED_SERVER"


def mongo_connect() -> None:
    """Register the default mongoengine connection (idempotent)."""
    if "default" in mongoengine.connection._connection_settings:
        return
    if settings.MONGODB_URI:
        # connect=False: forked worker processes open their own sockets on first use.
        mongoengine.connect(
            db=settings.MONGODB_DB,
            host=settings.MONGODB_URI,
            uuidRepresentation="standard",
            tz_aware=True,
            connect=False,
        )
        logger.info("MongoDB: %s (database %s)", _redacted(settings.MONGODB_URI), settings.MONGODB_DB)
        return
    import mongomock_ng

    from config.embedded_mongo import embedded_mongo_adapt

    embedded_mongo_adapt(mongomock_ng)
    # The board rebuild asks a server for allowDiskUse; in memory it means nothing, and
    # mongomock-ng says so with a UserWarning on every such aggregation.
    warnings.filterwarnings("ignore", message="'allowDiskUse' is accepted", category=UserWarning)
    mongoengine.connect(
        db=settings.MONGODB_DB,
        host="mongodb://localhost",
        mongo_client_class=mongomock_ng.MongoClient,
        uuidRepresentation="standard",
        tz_aware=True,
    )
    logger.info("MongoDB: embedded in-memory mode (mongomock-ng); data is lost when the process exits")


def mongo_database():
    """Return the pymongo (or mongomock-ng) database object behind the default connection."""
    return mongoengine.get_db()


def _redacted(uri: str) -> str:
    """Hide the password part of a connection URI for logs."""
    if "@" not in uri:
        return uri
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def mongo_indexes_ensure() -> list[str]:
    """Create every stored document's declared indexes; return the collections done.

    Each installed app's `documents` module is imported by name, so this knows every document
    without importing the domain. Any failure propagates: a missing unique index would silently
    switch off the deduplication it carries.
    """
    from django.apps import apps
    from mongoengine.base import get_document
    from mongoengine.base.common import _document_registry

    for app in apps.get_app_configs():
        try:
            importlib.import_module(f"{app.name}.documents")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.documents":
                raise
    done = []
    for name in sorted(_document_registry):
        document = get_document(name)
        if document._meta.get("abstract"):
            continue
        document.ensure_indexes()
        done.append(document._get_collection_name())
    return done
