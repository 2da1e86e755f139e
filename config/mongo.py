"""MongoDB connection: a real server when MONGODB_URI is set, in-memory mongomock-ng otherwise."""
from __future__ import annotations

import logging
import warnings

import mongoengine
from django.conf import settings

logger = logging.getLogger(__name__)


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
