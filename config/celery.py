"""The Celery app: Redis carries ids of submissions to grade, the database holds the rest."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("unrolled")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Learners' submissions never wait behind regrades and reference checks.
app.conf.task_queues = (Queue("live"), Queue("bulk"))
app.autodiscover_tasks()


@app.task(name="unrolled.ping", ignore_result=True)
def ping(key: str) -> None:
    """Set `key` in Redis: proves a message went through the broker and a worker ran it."""
    import redis

    redis.Redis.from_url(app.conf.broker_url).set(key, "pong", ex=300)
