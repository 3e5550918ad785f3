# Production image of OPC Community. One image, four roles (docker-compose.yml): the one-shot
# `migrate` job, gunicorn serving Django (static files through WhiteNoise; the image's command —
# it never migrates, so a web start never waits on or races a migration), the Celery worker, and
# beat. The web health check is scripts/healthcheck.py (GET /healthz).
# Configuration comes from environment variables only; see docs/operations.md.
FROM python:3.11-slim-bookworm

# WeasyPrint's native libraries and the CJK font embedded in PDFs; nothing else.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Run the project from /app (manage.py's folder: templates/, static/, locale/ live there),
# not from the copy that `pip install .` puts in site-packages.
ENV PYTHONPATH=/app
# Uploaded identity documents and evidence: a volume, never served by any URL.
ENV PRIVATE_MEDIA_ROOT=/var/lib/opc/private
# gunicorn reads these: the number of workers, and the rest of its command line. Only the
# reverse proxy reaches port 8000, so its X-Forwarded-* headers are trusted.
ENV WEB_CONCURRENCY=3 \
    GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --access-logfile - --forwarded-allow-ips *"

WORKDIR /app

# The pinned dependencies first, in a layer rebuilt only when pyproject.toml changes ...
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        >/tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# ... then the project (`pip install .` finds every dependency already there).
COPY . .
RUN pip install . \
 && rm -rf build ./*.egg-info

# Static files are collected at build time. Importing settings with DEBUG off needs a
# secret and hosts: dummies, used for nothing else (no database is touched).
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input --verbosity 0

# A non-root user that can write only its volumes (private media, beat's schedule);
# the code and static files stay owned by root.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/opc opc \
 && install -d -o opc -g opc -m 700 /var/lib/opc/private /var/lib/opc/beat
USER opc

EXPOSE 8000
CMD ["gunicorn", "opc_community.wsgi:application"]
