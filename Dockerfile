# Container image for the Shaanxi patent-conversion portal: one image runs the web process
# (gunicorn), the Celery worker and Celery beat; docker-compose.yml picks the command.
# Build:  docker build -t shaanxi-patent-portal .
# Every setting comes from the environment at run time (see .env.example).

# --- Stage 1: front-end libraries -> static/vendor/ ---------------------------------------
# (--omit=dev: axe-core is test tooling for tests/e2e/test_accessibility.py, never served)
FROM node:20 AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY scripts/build-assets.mjs scripts/
RUN npm run build

# --- Stage 2: the Python application --------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media

# A fixed, unprivileged account; the application never runs as root. It gets a writable home
# because gunicorn puts its control socket in ~/.gunicorn/ by default.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app app

# Official documents are rendered to PDF by WeasyPrint (portal/documents.py), which lays text out
# with Pango and embeds the Noto CJK fonts it finds through fontconfig.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so editing the source does not reinstall them. pyproject.toml declares
# `packages = []`, so this installs the pinned dependencies and no code; build leftovers stay in
# /tmp/build and are removed.
WORKDIR /tmp/build
COPY pyproject.toml ./
RUN pip install . && rm -rf /tmp/build

WORKDIR /app
COPY . .
COPY --from=assets /build/static/vendor ./static/vendor

# Static files are collected at build time (WhiteNoise serves them from STATIC_ROOT =
# $VAR_DIR/staticfiles). The secret is a throw-away used only by this build step; the real
# one is supplied at run time.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret DEBUG=0 \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown app:app /app/var /app/var/media

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
