# Image for the api, worker, beat and flower services of compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBUG=0 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Code is owned by root and read-only for the service user.
COPY . .
# collectstatic runs at build time (DEBUG=1 for this one command: it needs no secret) so
# whitenoise serves the admin's files. The image itself runs with DEBUG=0: it refuses to start
# without SECRET_KEY, and embedded MongoDB refuses gunicorn (set MONGODB_URI).
RUN pip install . \
    && DEBUG=1 python manage.py collectstatic --noinput -v0 \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--no-control-socket"]
