# Image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock package.json package-lock.json ./
RUN pip install --no-cache-dir -r requirements.lock && npm ci --no-audit --no-fund
COPY . .
# collectstatic needs settings that load; the real secret comes from the environment at run time.
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --no-input
RUN useradd --create-home aims && mkdir -p /data && chown aims /data
USER aims
EXPOSE 8000
