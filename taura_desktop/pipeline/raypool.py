"""Stage work on a Ray cluster: actors that host the worker side of the stages.

The driver keeps the job layer's split: it plans each stage on the project it owns and applies
results as they arrive (projects and outputs are written by the driver only); the work half runs
in a :class:`StageActor` on the cluster. An actor is a long-lived process that keeps the engines
it loaded (one model load per actor, reused across every video it serves). Model stages
(transcribe, translate, voice) go to actors holding a GPU when the cluster has GPUs; everything
else, and all stages on a CPU-only cluster, goes to one-CPU actors, one per CPU.

:class:`RayWorker` has the interface of :class:`taura_desktop.jobs.worker.Worker`, so
``run_stage`` and ``localize`` run unchanged on the cluster.

Ray is an optional dependency (the ``cluster`` extra); nothing here imports it at module level.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taura_desktop.errors import CancelledError, EngineUnavailableError, UsageError
from taura_desktop.jobs.messages import DoneMsg, ErrorMsg, TaskSpec, WarningMsg, WorkerMsg
from taura_desktop.jobs.worker import Worker, execute
from taura_desktop.modelstore.offline import block_network, is_offline

MODEL_STAGES = frozenset({"transcribe", "translate", "voice"})
# What the actors need from the driver's environment (model store, offline mode, caches).
ENV_PREFIXES = ("TAURA_", "XDG_", "ARGOS_", "HF_")
ENV_NAMES = ("HOME", "PATH", "LC_ALL", "LANG")
RAY_MARKS = ("ray::", "/ray/", "raylet", "gcs_server")  # in the command lines of Ray's processes


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineUnavailableError(
            "ray: not installed (pip install 'taura-desktop[cluster]' for taura batch)"
        ) from None
    return ray


def _actor_class(ray: Any) -> Any:
    """The actor class, defined lazily so this module imports without Ray."""

    class StageActor:
        """Hosts stage work; runs one task at a time (a second slot takes ``cancel``)."""

        def __init__(self, env: dict[str, str]) -> None:
            os.environ.update(env)
            self._cancel = threading.Event()

        def ping(self) -> int:
            return os.getpid()

        def cancel(self) -> None:
            self._cancel.set()

        def run(self, task: TaskSpec) -> Iterator[WorkerMsg]:
            """Stream the task's messages (progress, results, warnings), then its final one."""
            self._cancel.clear()
            out: queue.Queue[WorkerMsg | None] = queue.Queue()
            attempts: list[str] = []

            def work() -> None:
                guard = block_network() if is_offline() else contextlib.nullcontext()
                with guard as g:
                    final = execute(task, out.put, self._cancel.is_set)
                    if g is not None:
                        attempts.extend(f"{a.kind} {a.target}" for a in g.attempts)
                for a in attempts:
                    out.put(WarningMsg(f"offline mode blocked a network access: {a}"))
                out.put(final)
                out.put(None)

            thread = threading.Thread(target=work, name=f"taura-{task.stage}", daemon=True)
            thread.start()
            while (msg := out.get()) is not None:
                yield msg
            thread.join()

    return ray.remote(max_concurrency=2)(StageActor)


@dataclass(frozen=True, slots=True)
class ClusterShape:
    cpus: int
    gpus: int
    cpu_actors: int
    gpu_actors: int

    def describe(self) -> str:
        gpu = f", {self.gpu_actors} GPU actors for model stages" if self.gpu_actors else ""
        return f"{self.cpus} CPUs, {self.gpus} GPUs: {self.cpu_actors} CPU actors{gpu}"


class StagePool:
    """The actors of one batch, handed out one task at a time per actor."""

    def __init__(self, ray: Any, env: dict[str, str], max_cpu_actors: int | None = None) -> None:
        self.ray = ray
        res = ray.cluster_resources()
        cpus, gpus = int(res.get("CPU", 1)), int(res.get("GPU", 0))
        n_cpu = max(1, cpus if max_cpu_actors is None else min(cpus, max_cpu_actors))
        self.shape = ClusterShape(cpus, gpus, n_cpu, gpus)
        actor = _actor_class(ray)
        self._idle: dict[str, queue.Queue[Any]] = {"cpu": queue.Queue(), "gpu": queue.Queue()}
        self._actors: list[Any] = []
        self._env = env
        self._actor = actor
        self.closed = False
        for _ in range(n_cpu):
            self._add("cpu")
        for _ in range(gpus):
            self._add("gpu")
        # Wait until every actor is up, so a broken cluster fails here, once, with one line.
        ray.get([a.ping.remote() for a in self._actors])

    def _add(self, kind: str) -> Any:
        opts = {"num_cpus": 1, "num_gpus": 0} if kind == "cpu" else {"num_cpus": 0, "num_gpus": 1}
        handle = self._actor.options(**opts).remote(self._env)
        self._actors.append(handle)
        self._idle[kind].put(handle)
        return handle

    @property
    def slots(self) -> int:
        """How many stage tasks can run at once."""
        return self.shape.cpu_actors + self.shape.gpu_actors

    def kind_for(self, stage: str) -> str:
        return "gpu" if stage in MODEL_STAGES and self.shape.gpu_actors else "cpu"

    def acquire(self, stage: str) -> tuple[str, Any]:
        kind = self.kind_for(stage)
        handle = self._idle[kind].get()
        if handle is None:  # shut down
            self._idle[kind].put(None)
            raise CancelledError(f"{stage}: the cluster workers were stopped")
        return kind, handle

    def release(self, kind: str, handle: Any) -> None:
        self._idle[kind].put(handle)

    def replace(self, kind: str, handle: Any) -> None:
        """Kill a stuck or dead actor and put a fresh one in its place."""
        with contextlib.suppress(Exception):
            self.ray.kill(handle)
        with contextlib.suppress(ValueError):
            self._actors.remove(handle)
        if not self.closed:
            self._add(kind)

    def shutdown(self) -> None:
        """Stop every actor (idempotent); tasks waiting for one get CancelledError."""
        self.closed = True
        for idle in self._idle.values():
            idle.put(None)
        for handle in list(self._actors):
            with contextlib.suppress(Exception):
                self.ray.kill(handle)
        self._actors.clear()


class RayWorker(Worker):
    """A :class:`Worker` whose tasks run on a :class:`StagePool` actor (one task at a time)."""

    def __init__(self, pool: StagePool) -> None:
        super().__init__()
        self.pool = pool
        self._messages: queue.Queue[WorkerMsg | BaseException] = queue.Queue()
        self._running: tuple[str, Any] | None = None
        self._thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return True

    def start(self) -> None:
        pass

    def submit(self, task: TaskSpec) -> None:
        if self._running is not None:
            raise UsageError("RayWorker: one task at a time")
        kind, handle = self.pool.acquire(task.stage)
        self._running = (kind, handle)
        gen = handle.run.options(num_returns="streaming").remote(task)
        self._thread = threading.Thread(target=self._pump, args=(gen, kind, handle), daemon=True)
        self._thread.start()

    def _pump(self, gen: Any, kind: str, handle: Any) -> None:
        ray = self.pool.ray
        try:
            for ref in gen:
                msg = ray.get(ref)
                self._messages.put(msg)
                if isinstance(msg, DoneMsg | ErrorMsg):
                    break
        except Exception as exc:  # the actor died (node lost, out of memory, killed)
            self._messages.put(exc)
            self.pool.replace(kind, handle)
            self._running = None
            return
        self.pool.release(kind, handle)
        self._running = None

    def soft_cancel(self) -> None:
        if self._running is not None:
            self._running[1].cancel.remote()

    def receive(self, timeout: float) -> WorkerMsg | None:
        try:
            item = self._messages.get(timeout=timeout) if timeout > 0 else self._messages.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, BaseException):
            raise ChildProcessError(f"cluster worker failed: {type(item).__name__}: {item}")
        return item

    def kill(self) -> None:
        running = self._running
        if running is not None:
            self._running = None
            self.pool.replace(*running)

    def stop(self) -> None:
        self.kill()


def actor_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES) or k in ENV_NAMES}


@contextlib.contextmanager
def connect(cluster: str, *, num_cpus: int | None = None) -> Iterator[Any]:
    """``local``: start a Ray runtime for this run and shut it down after (no process left);
    ``auto``: join the running cluster; ``ray://HOST:PORT``: a remote cluster through Ray Client."""
    ray = import_ray()
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    if cluster == "local":
        kwargs.update(num_cpus=num_cpus or os.cpu_count() or 1, configure_logging=False)
        address: str | None = "local"
        # On a busy machine Ray's agents can take longer than the raylet's default wait for
        # them (it then aborts); the raylet inherits this from our environment.
        os.environ.setdefault("RAY_agent_register_timeout_ms", "120000")
    elif cluster == "auto" or cluster.startswith("ray://"):
        address = cluster
        kwargs.pop("include_dashboard")
    else:
        raise UsageError(f"--cluster {cluster}: use local, auto or ray://HOST:PORT")
    attempts = 4 if cluster == "local" else 1  # a busy machine can miss Ray's start-up deadline
    for attempt in range(1, attempts + 1):
        try:
            ray.init(address=address, **kwargs)
            break
        except Exception as exc:
            with contextlib.suppress(Exception):
                ray.shutdown()
            if attempt == attempts:
                what = "did not start" if cluster == "local" else "cannot connect"
                detail = " ".join(str(exc).split())[:200]
                raise EngineUnavailableError(f"ray cluster {cluster}: {what} ({detail})") from None
    try:
        yield ray
    finally:
        started = _ray_descendants() if cluster == "local" else {}
        ray.shutdown()
        _reap(started)


def _proc_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, start time, command line) of the processes visible in /proc."""
    table: dict[int, tuple[int, str, str]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return table
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if fields[0] != "Z":
            table[int(entry.name)] = (int(fields[1]), fields[19], cmd)
    return table


def _ray_descendants() -> dict[int, str]:
    """Ray's processes that this process started (head, raylet, agents, workers): pid -> start
    time, to tell them from a later process that reuses the pid."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, str] = {}
    todo = list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        if any(mark in table[pid][2] for mark in RAY_MARKS):
            found[pid] = table[pid][1]
    return found


def _reap(started: dict[int, str], grace_s: float = 20.0) -> None:
    """After ``ray.shutdown()``: give the runtime's processes ``grace_s`` to exit, then end the
    stragglers (Ray's agents otherwise linger until they notice their raylet is gone)."""
    deadline = time.monotonic() + grace_s
    while started:
        table = _proc_table()
        started = {pid: t for pid, t in started.items() if pid in table and table[pid][1] == t}
        if not started or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pid in started:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


Factory = Callable[[], Worker]
