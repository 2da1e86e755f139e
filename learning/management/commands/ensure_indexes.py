"""`manage.py ensure_indexes`: create every MongoDB index the documents declare (run at start-up)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from pymongo.errors import PyMongoError

from config.mongo import mongo_indexes_ensure


class Command(BaseCommand):
    help = ("Create the MongoDB indexes every document declares (unique ones included). Run it "
            "before the service starts; it exits non-zero when an index cannot be created.")

    def handle(self, *args, **options) -> None:
        try:
            collections = mongo_indexes_ensure()
        except PyMongoError as exc:
            raise CommandError(f"creating MongoDB indexes failed: {exc}") from exc
        self.stdout.write(f"indexes ensured on {len(collections)} collection(s): "
                          f"{', '.join(collections)}")
