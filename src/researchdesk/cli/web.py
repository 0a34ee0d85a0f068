"""`researchdesk serve` and `researchdesk worker`: the web app and its background job worker."""

from __future__ import annotations

import logging
import logging.config
import os
import sys

import typer

from researchdesk.cli.common import app, console_err, desk_of, settings_of
from researchdesk.desk import init_desk


def access_log_config() -> dict[str, object]:
    """Return a logging config that writes the app's JSON access lines, one per request, to stdout."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(message)s"},
            "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "access": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"},
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "researchdesk.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "huey": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(1, min=1, help="Web worker processes."),
) -> None:
    """Run the web app. Sign in with a user made by `researchdesk user add`; jobs need `researchdesk worker`."""
    import uvicorn

    settings = settings_of(ctx)
    init_desk(settings).close()
    # Worker processes build the app from the environment, so the desk chosen here must be in it.
    os.environ["RESEARCHDESK_HOME"] = str(settings.home.resolve())
    console_err.print(f"ResearchDesk on http://{host}:{port} (desk {settings.home}); Ctrl+C stops it.")
    uvicorn.run(
        "researchdesk.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=access_log_config(),
        proxy_headers=True,
    )


@app.command()
def worker(
    ctx: typer.Context,
    workers: int = typer.Option(2, min=1, help="Jobs run at the same time."),
) -> None:
    """Run background jobs (ingest, embedding, scan, render) queued by the web app; queued jobs survive a restart.

    At start it queues the embedding of any passages still without a vector (a worker stopped part way).
    """
    from researchdesk.web.config import WebSettings
    from researchdesk.web.jobs import JobQueue

    settings = settings_of(ctx)
    init_desk(settings).close()
    logging.config.dictConfig(access_log_config())
    queue = JobQueue(settings, WebSettings(jobs_immediate=False))
    with desk_of(ctx) as desk:
        if queue.resume_embedding(desk):  # a worker stopped mid-way: its saved work stays, the rest follows
            console_err.print("Passages wait for their embeddings: an embed job is queued.")
    console_err.print(f"ResearchDesk worker on desk {settings.home}: {workers} at a time; Ctrl+C stops it.")
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread")
    try:
        consumer.run()
    except KeyboardInterrupt:
        sys.exit(0)
