# One image for the web server, the Celery worker and beat. No secret is baked in:
# everything comes from the environment at run time (see .env.example).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    UNROLLED_VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs some key to import settings; this throwaway one never leaves the build.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-used-at-runtime \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /nonexistent unrolled \
    && mkdir -p /app/var && chown unrolled /app/var

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
