"""The production server: gunicorn's master process and N uvicorn worker processes.

Each worker loads the published build (the same files on disk) and answers on its own: the app
keeps nothing per visitor, so any worker can take any request. The master restarts a worker that
stops answering (its heartbeat goes quiet for `WORKER_TIMEOUT` seconds) and on SIGTERM gives
in-flight requests `GRACEFUL_SECONDS` to finish before it kills what is left, so a stop from
systemd, Kubernetes or a container never waits on a stuck process.

    python -m assistant serve [--workers N] [--host H] [--port P]

The master never loads the model or FAISS: runtimes that start thread pools do not survive a fork.
When there is no published build yet (a fresh clone), it publishes one in a child process first.
"""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from assistant.settings import environment, offline

log = logging.getLogger("assistant.serve")

GRACEFUL_SECONDS = 6  # in-flight requests finish within this after SIGTERM; then the workers are killed
WORKER_TIMEOUT = 30  # a worker whose event loop is stuck this long is killed and replaced
# Long enough for a worker to load the model and the index; the master refuses to wait forever.
WORKER_BOOT_SECONDS = 120


def configure_threads(threads: int | None = None) -> int:
    """Cap torch's, FAISS's and numpy's BLAS threads for serving (default 1, or `ASSISTANT_THREADS`).

    FAISS searches one question at a time here, which is faster on one OpenMP thread than on two
    (they wait on each other whenever anything else is busy). The same holds for BLAS: a message's
    products (the crisis classifier's kernel row, the retriever's scores) are one vector against a
    matrix, too small to share, and OpenBLAS's idle threads spin, taking the cores the encoders and
    the web server need: capped at one, 16 clients got 112-138 answers a second instead of 80-82
    (wrk, 2 cores, 2026-12-02, in turns with the code before; docs/performance.md). The encoder sets its own threads
    (`ASSISTANT_ENCODER_THREADS`) and runs on one thread of its own (encoders/owner.py).
    """
    threads = threads or environment().threads
    import numpy  # noqa: F401  (loads its BLAS first: the cap reaches only libraries already loaded)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")  # for the life of the process
    torch = sys.modules.get("torch")  # only when the torch encoder is in use: importing it costs seconds
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        import faiss

        faiss.omp_set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass
    return threads


def needs_first_build(index_dir: Path, knowledge_dir: Path | None = None) -> str | None:
    """Why the server must publish a build before it starts (none yet, or made with another model
    than the settings choose), or None. Reads the manifest only: no model, no FAISS in the master."""
    from assistant.encoders.model import configured_model
    from assistant.errors import AssistantError
    from assistant.index import FORMAT_VERSION, Manifest, resolve_build

    try:
        manifest = Manifest.read(resolve_build(index_dir))
        model = configured_model(knowledge_dir)
    except AssistantError as exc:
        return str(exc)
    if manifest.weights_sha256 != model.weights_sha256:
        return f"the published build was made with another model than {model.key}"
    if manifest.format_version != FORMAT_VERSION:
        return f"the published build has index format {manifest.format_version}, not {FORMAT_VERSION}"
    return None


def create_app(knowledge: Path, index: Path, region: str | None = None):
    """The ASGI app one worker serves (gunicorn calls this in each worker after forking)."""
    from assistant.engine import Assistant
    from assistant.web.app import build_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    assistant = Assistant.load(knowledge, index)
    from assistant.language import warm
    from assistant.wordlist import english_words

    # Loaded on first use, so not on a visitor's message: the second language detector's models (~1.5 s)
    # and the English word list that chat shorthand and spelling correction read (~0.4 s).
    warm()
    english_words()
    configure_threads()
    if hasattr(assistant.embedder, "grow"):  # a copy of the answering model per thread it may use (encoders/pool.py)
        assistant.embedder.grow()
    if assistant.problem:
        log.error("serving in degraded mode (crisis lines only): %s", assistant.problem)
    assistant.watch_index()  # newly published builds go live without a restart
    return build_app(assistant, region)


def serve(knowledge: Path, index: Path, host: str = "127.0.0.1", port: int = 7860, workers: int = 1,
          region: str | None = None) -> None:
    """Publish a first build if there is none, then run the master and `workers` worker processes."""
    from gunicorn.app.base import BaseApplication

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    offline()
    reason = needs_first_build(index, knowledge)
    if reason is not None:
        log.warning("publishing a build first: %s", reason)
        subprocess.run([sys.executable, "-m", "assistant", "build", "--quiet", "--knowledge", str(knowledge),
                        "--index", str(index)], check=False)

    class Server(BaseApplication):
        def load_config(self):
            settings = {
                "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
                "workers": max(1, workers),
                "worker_class": "assistant.web.serve.Worker",
                "graceful_timeout": GRACEFUL_SECONDS,
                "timeout": WORKER_TIMEOUT,
                "accesslog": None,  # access lines would carry client addresses; the app logs what it needs
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "aftercare-assistant",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):  # in each worker, after the fork: the arguments come along
            return create_app(knowledge, index, region)

    log.info("serving on http://%s:%d/ with %d worker(s)", host, port, workers)
    Server().run()


try:
    from uvicorn_worker import UvicornWorker

    class Worker(UvicornWorker):
        """uvicorn in a gunicorn worker, with the shutdown bounded: long-lived connections are
        closed after GRACEFUL_SECONDS - 1 so the worker exits before the master's SIGKILL."""

        CONFIG_KWARGS = {"loop": "auto", "http": "auto", "timeout_graceful_shutdown": GRACEFUL_SECONDS - 1,
                         "access_log": False}
except ImportError:  # pragma: no cover - installed with the package
    Worker = None  # type: ignore[assignment,misc]
