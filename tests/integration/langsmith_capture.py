"""A LangSmith-compatible capture server on 127.0.0.1 for tests that trace with the real client.

It answers the REST routes langsmith 0.15 uses for tracing, feedback, datasets, examples and
`langsmith.evaluate`, and keeps what it received: `server.runs` (create and patch merged per run
id), `server.feedback`, `server.datasets`, `server.examples`, `server.projects`. Routes it does
not know answer 404 and land in `server.unknown`; a route that crashed lands in `server.errors`.
`server.failing = True` makes ingestion answer `server.failure_status` (500) to imitate an outage.

    with running_capture() as server:
        client = langsmith.Client(api_url=server.url, api_key="test-key")
        ...  # trace something with `client`
        client.flush()
        assert server.run_named("answer")["outputs"] == {...}

Gotchas of the langsmith client (0.15), and how to live with them:

- Env lookups are cached. `langsmith.utils.get_env_var` (LANGSMITH_TRACING and most other
  switches) and `langsmith.utils.get_tracer_project` (LANGSMITH_PROJECT) are `lru_cache`d, so
  env vars set after the first lookup are ignored. `Client()` itself reads LANGSMITH_ENDPOINT and
  LANGSMITH_API_KEY uncached. Call `reset_langsmith_globals()` after setting the env and again
  at teardown.
- One cached global client. `@traceable` without a client and every `LangChainTracer()` (which
  LangChain/LangGraph create when LANGSMITH_TRACING=true) share `langsmith.run_trees._CLIENT`,
  built on first use and kept for the process: a later test would trace to an earlier test's
  dead port. `reset_langsmith_globals()` flushes it and drops it.
- A background thread sends. Runs and feedback that carry a trace id are queued and sent
  later; `client.flush()` (or `tracer.wait_for_futures()`) blocks until they are sent.
  `langchain_core.tracers.langchain.wait_for_all_tracers()` flushes the global client.
- Compression. Because /info here says `zstd_compression_enabled`, the client sends runs and
  feedback as one zstd-compressed multipart body (`Content-Encoding: zstd`) every 0.5 s or on
  flush; the server decompresses it. The thread turns compression on only after reading /info,
  so a new client's first runs may still go out plain. Each client reads /info once: edit
  `server.info` before making one to get plain multipart
  (`instance_flags.zstd_compression_enabled = False`) or /runs/batch
  (`batch_ingest_config.use_multipart_endpoint = False`).
- Outages are slow, not loud. The traced code returns at once and nothing is raised, but a 500
  is retried by urllib3 (3 times, backoff 0.5 s) inside each of three attempts: `flush()`
  blocks about 9 s per batch before the client logs a warning and drops it. For a fast outage
  test, give the client `retry_config=urllib3.util.Retry(total=0)`, or set `failure_status` to
  a 4xx, which the client does not retry.
- `create_feedback(run_id=...)` without `session_id` warns that this is deprecated. With
  `trace_id` it goes through the background queue (flush!), without it as a direct POST.
  The client rounds float scores to 4 places: 1/3 arrives as 0.3333, so compare with
  `pytest.approx(..., abs=1e-4)`.
- This server reports backend version 0.12.0, so the v2 resource accessors (`client.runs`,
  `client.datasets`, ...) warn that the backend is too old; their /v2 routes end in `unknown`.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

import zstandard

from tests.integration.serving import serving

T = TypeVar("T")
Reply = tuple[int, Any]
Route = Callable[..., Reply]
ROUTES: list[tuple[str, re.Pattern[str], Route]] = []
INGESTION = ("/runs", "/feedback")  # the write routes that `failing` breaks
RUN_DEFAULTS: dict[str, Any] = {
    "parent_run_id": None,
    "inputs": {},
    "outputs": None,
    "error": None,
    "extra": {},
    "tags": [],
    "events": [],
    "reference_example_id": None,
    "end_time": None,
}
EXAMPLE_FIELDS = (
    *("id", "dataset_id", "inputs", "outputs", "metadata"),
    *("created_at", "modified_at", "source_run_id"),
)


def now() -> str:
    return datetime.now(UTC).isoformat()


def default_info() -> dict[str, Any]:
    """What GET /info answers: every field langsmith 0.15 reads, with SaaS-like values."""
    return {
        "version": "0.12.0",
        "license_expiration_time": None,
        "batch_ingest_config": {
            "use_multipart_endpoint": True,
            "scale_up_qsize_trigger": 1000,
            "scale_up_nthreads_limit": 16,
            "scale_down_nempty_trigger": 4,
            "size_limit": 100,
            "size_limit_bytes": 20_971_520,
        },
        "instance_flags": {
            "zstd_compression_enabled": True,
            "dataset_examples_multipart_enabled": True,
            "examples_multipart_enabled": True,
            "ch_query_enabled": True,
            "sdb_query_enabled": False,
            "blob_storage_enabled": False,
            "search_enabled": False,
        },
    }


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    encoding: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]

    def page(self, items: list[T]) -> list[T]:
        """The slice of `items` that the offset and limit params ask for."""
        offset = int(self.arg("offset", "0"))
        return items[offset : offset + int(self.arg("limit", "100"))]


def route(method: str, path: str) -> Callable[[Route], Route]:
    """Register a CaptureServer method as the answer to `method path`; `{id}` is one segment."""

    def register(answer: Route) -> Route:
        ROUTES.append((method, re.compile(path.replace("{id}", "([^/]+)")), answer))
        return answer

    return register


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, str, bytes]]:
    """The (name, content type, data) of each part of a multipart/form-data body."""
    boundary = content_type.partition("boundary=")[2].strip('"').encode()
    parts = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.partition(b"\r\n\r\n")
        headers = dict(
            (key.strip().lower(), value.strip())
            for key, _, value in (line.partition(":") for line in head.decode().splitlines())
            if key
        )
        name = re.search(r'name="([^"]*)"', headers.get("content-disposition", ""))
        data = data.removesuffix(b"\r\n")
        parts.append((name.group(1) if name else "", headers.get("content-type", ""), data))
    return parts


def merge_run(ops: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One run from its create and patch operations; a patch's fields win, extra/tags extend."""
    run: dict[str, Any] = dict(RUN_DEFAULTS)
    for _, fields in sorted(ops, key=lambda op: op[0] != "post"):
        for key, value in fields.items():
            if value is None:
                continue
            if key == "extra":
                metadata = {**run["extra"].get("metadata", {}), **value.get("metadata", {})}
                run["extra"] = {**run["extra"], **value, "metadata": metadata}
            elif key == "tags":
                run["tags"] = list(dict.fromkeys([*run["tags"], *value]))
            elif key == "attachments":
                run["attachments"] = {**run.get("attachments", {}), **value}
            else:
                run[key] = value
    return run


def _ordered(runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs in the order they started (dotted_order sorts that way)."""
    return sorted(
        runs, key=lambda run: (run.get("dotted_order") or "", run.get("start_time") or "")
    )


class CaptureServer(ThreadingHTTPServer):
    """Answers the LangSmith REST API well enough for the real client and keeps what it got."""

    daemon_threads = True

    def __init__(self, api_key: str = "test-key", *, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.api_key = api_key
        self.info = default_info()  # what GET /info answers; edit before making a client
        self.failing = False  # True: ingestion routes answer `failure_status`
        self.failure_status = 500
        self.tenant_id = str(uuid.uuid4())
        self.requests: list[tuple[str, str, str]] = []  # (method, path, content encoding)
        self.unknown: list[str] = []  # "METHOD /path" of requests no route answered
        self.errors: list[str] = []  # routes that crashed (a bug in this server)
        self._lock = threading.RLock()
        self._run_ops: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._feedback: list[dict[str, Any]] = []
        self._datasets: dict[str, dict[str, Any]] = {}
        self._examples: dict[str, dict[str, Any]] = {}
        self._projects: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        """The URL to give `langsmith.Client(api_url=...)` or LANGSMITH_ENDPOINT."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def runs(self) -> dict[str, dict[str, Any]]:
        """Run id -> the run, its create and patches merged."""
        with self._lock:
            return {run_id: merge_run(ops) for run_id, ops in self._run_ops.items()}

    @property
    def feedback(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._feedback]

    @property
    def datasets(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {key: self._dataset_view(value) for key, value in self._datasets.items()}

    @property
    def examples(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {key: dict(value) for key, value in self._examples.items()}

    @property
    def projects(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {key: self._project_view(value) for key, value in self._projects.items()}

    def root_runs(self) -> list[dict[str, Any]]:
        """Runs without a parent, in the order they started."""
        return _ordered(run for run in self.runs.values() if run["parent_run_id"] is None)

    def children(self, run_id: str | uuid.UUID) -> list[dict[str, Any]]:
        """The direct children of a run, in the order they started."""
        return _ordered(r for r in self.runs.values() if r["parent_run_id"] == str(run_id))

    def runs_named(self, name: str) -> list[dict[str, Any]]:
        return _ordered(run for run in self.runs.values() if run.get("name") == name)

    def run_named(self, name: str) -> dict[str, Any]:
        """The one run called `name`; LookupError if there is none, AssertionError if several."""
        found = self.runs_named(name)
        if not found:
            raise LookupError(f"no run named {name!r}")
        assert len(found) == 1, f"{len(found)} runs named {name!r}; use runs_named"
        return found[0]

    def wait_for(
        self, predicate: Callable[[], T | Literal[False] | None], timeout: float = 5.0
    ) -> T:
        """Poll until `predicate()` is truthy (a LookupError counts as not yet) and return it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = predicate()
                if result:
                    return result
            except LookupError:
                pass  # e.g. run_named before the run arrived
            if time.monotonic() > deadline:
                names = sorted(str(run.get("name")) for run in self.runs.values())
                raise AssertionError(
                    f"not true after {timeout}s; runs: {names}; feedback: "
                    f"{[f['key'] for f in self.feedback]}; unknown: {self.unknown}; "
                    f"errors: {self.errors}"
                )
            time.sleep(0.02)

    def answer(self, request: _Request) -> Reply:
        """Route a request; unknown routes answer 404 and are recorded."""
        with self._lock:
            self.requests.append((request.method, request.path, request.encoding))
        if self.failing and request.method != "GET" and request.path.startswith(INGESTION):
            return self.failure_status, {"detail": "capture server is failing on purpose"}
        for method, pattern, answer in ROUTES:
            match = pattern.fullmatch(request.path)
            if method != request.method or match is None:
                continue
            try:
                return answer(self, request, *match.groups())
            except Exception as exc:
                with self._lock:
                    self.errors.append(f"{request.method} {request.path}: {exc!r}")
                return 500, {"detail": repr(exc)}
        with self._lock:
            self.unknown.append(f"{request.method} {request.path}")
        return 404, {"detail": "Not Found"}

    # Ingestion: runs and feedback.

    def _ingest_run(self, kind: str, fields: dict[str, Any]) -> None:
        with self._lock:
            if kind == "post":
                project = self._ensure_project(fields.get("session_name"), fields.get("session_id"))
                fields = {**fields, "session_id": project["id"], "session_name": project["name"]}
            self._run_ops.setdefault(str(fields["id"]), []).append((kind, fields))

    def _ingest_feedback(self, fields: dict[str, Any]) -> dict[str, Any]:
        record = {"run_id": None, "trace_id": None, "score": None, "value": None, **fields}
        record.setdefault("comment", None)
        record.setdefault("id", str(uuid.uuid4()))
        for stamp in ("created_at", "modified_at"):
            record[stamp] = record.get(stamp) or now()
        with self._lock:
            self._feedback.append(record)
        return dict(record)

    @route("POST", "/runs/multipart")
    def _post_runs_multipart(self, request: _Request) -> Reply:
        ops: dict[tuple[str, str], dict[str, Any]] = {}
        for name, content_type, data in parse_multipart(request.body, request.content_type):
            kind, _, rest = name.partition(".")
            run_id, _, part = rest.partition(".")
            if kind == "feedback":
                self._ingest_feedback(json.loads(data))
            elif kind == "attachment":
                fields = ops.setdefault(("patch", run_id), {})
                fields.setdefault("attachments", {})[part] = (content_type, data)
            elif kind in ("post", "patch") and part:
                ops.setdefault((kind, run_id), {})[part] = json.loads(data)
            elif kind in ("post", "patch"):
                ops.setdefault((kind, run_id), {}).update(json.loads(data))
            else:
                with self._lock:
                    self.unknown.append(f"multipart part {name}")
        for (kind, run_id), fields in ops.items():
            self._ingest_run(kind, {**fields, "id": run_id})
        return 202, {}

    @route("POST", "/runs/batch")
    def _post_runs_batch(self, request: _Request) -> Reply:
        body = request.json()
        for kind in ("post", "patch"):
            for fields in body.get(kind) or []:
                self._ingest_run(kind, fields)
        return 202, {}

    @route("POST", "/runs")
    def _post_run(self, request: _Request) -> Reply:
        self._ingest_run("post", request.json())
        return 202, {}

    @route("PATCH", "/runs/{id}")
    def _patch_run(self, request: _Request, run_id: str) -> Reply:
        self._ingest_run("patch", {**request.json(), "id": run_id})
        return 202, {}

    @route("POST", "/feedback")
    def _post_feedback(self, request: _Request) -> Reply:
        return 200, self._ingest_feedback(request.json())

    @route("GET", "/feedback")
    def _list_feedback(self, request: _Request) -> Reply:
        runs, keys = request.query.get("run"), request.query.get("key")
        found = [
            item
            for item in self.feedback
            if (not runs or item["run_id"] in runs) and (not keys or item["key"] in keys)
        ]
        return 200, request.page(found)

    # Projects (sessions).

    def _ensure_project(self, name: str | None, project_id: str | None) -> dict[str, Any]:
        """The project a run names by id or name, created on first use as LangSmith does."""
        with self._lock:
            if project_id in self._projects:
                return self._projects[str(project_id)]
            name = name or project_id or "default"
            for project in self._projects.values():
                if not project_id and project["name"] == name:
                    return project
            return self._add_project({"id": project_id, "name": name})

    def _add_project(self, body: dict[str, Any]) -> dict[str, Any]:
        project = {
            "id": str(body.get("id") or uuid.uuid4()),
            "name": body["name"],
            "description": body.get("description"),
            "extra": body.get("extra"),
            "start_time": now(),
            "end_time": None,
            "tenant_id": self.tenant_id,
            "reference_dataset_id": body.get("reference_dataset_id"),
        }
        self._projects[project["id"]] = project
        return project

    def _project_view(self, project: dict[str, Any]) -> dict[str, Any]:
        count = sum(
            any(fields.get("session_id") == project["id"] for _, fields in ops)
            for ops in self._run_ops.values()
        )
        return {**project, "run_count": count}

    @route("POST", "/sessions")
    def _post_session(self, request: _Request) -> Reply:
        body = request.json()
        with self._lock:
            if any(p["name"] == body["name"] for p in self._projects.values()):
                return 409, {"detail": f"Session {body['name']} already exists"}
            return 200, self._project_view(self._add_project(body))

    @route("GET", "/sessions")
    def _list_sessions(self, request: _Request) -> Reply:
        name, dataset = request.arg("name"), request.arg("reference_dataset")
        ids = request.query.get("id")
        found = [
            project
            for project in self.projects.values()
            if (not name or project["name"] == name)
            and (not dataset or project["reference_dataset_id"] == dataset)
            and (not ids or project["id"] in ids)
        ]
        return 200, request.page(found)

    @route("GET", "/sessions/{id}")
    def _read_session(self, request: _Request, project_id: str) -> Reply:
        project = self.projects.get(project_id)
        return (200, project) if project else (404, {"detail": "Session not found"})

    @route("PATCH", "/sessions/{id}")
    def _patch_session(self, request: _Request, project_id: str) -> Reply:
        changes = {key: value for key, value in request.json().items() if value is not None}
        with self._lock:
            if project_id not in self._projects:
                return 404, {"detail": "Session not found"}
            self._projects[project_id].update(changes)
            return 200, self._project_view(self._projects[project_id])

    # Datasets and examples.

    def _dataset_view(self, dataset: dict[str, Any]) -> dict[str, Any]:
        examples = [e for e in self._examples.values() if e["dataset_id"] == dataset["id"]]
        sessions = [
            p for p in self._projects.values() if p["reference_dataset_id"] == dataset["id"]
        ]
        return {**dataset, "example_count": len(examples), "session_count": len(sessions)}

    @route("POST", "/datasets")
    def _post_dataset(self, request: _Request) -> Reply:
        body = request.json()
        with self._lock:
            if any(d["name"] == body["name"] for d in self._datasets.values()):
                return 409, {"detail": "Dataset with this name already exists."}
            dataset = {
                "id": str(uuid.uuid4()),
                "name": body["name"],
                "description": body.get("description"),
                "data_type": body.get("data_type") or "kv",
                "created_at": now(),
                "modified_at": now(),
                "inputs_schema_definition": body.get("inputs_schema_definition"),
                "outputs_schema_definition": body.get("outputs_schema_definition"),
                "transformations": body.get("transformations"),
                "metadata": (body.get("extra") or {}).get("metadata"),
                "tenant_id": self.tenant_id,
            }
            self._datasets[dataset["id"]] = dataset
            return 200, self._dataset_view(dataset)

    @route("GET", "/datasets")
    def _list_datasets(self, request: _Request) -> Reply:
        name, part, ids = request.arg("name"), request.arg("name_contains"), request.query.get("id")
        found = [
            dataset
            for dataset in self.datasets.values()
            if (not name or dataset["name"] == name)
            and part in dataset["name"]
            and (not ids or dataset["id"] in ids)
        ]
        return 200, request.page(found)

    @route("GET", "/datasets/{id}")
    def _read_dataset(self, request: _Request, dataset_id: str) -> Reply:
        dataset = self.datasets.get(dataset_id)
        return (200, dataset) if dataset else (404, {"detail": "Dataset not found"})

    def _put_example(
        self, dataset_id: str, example_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Create or update an example; its split goes to metadata.dataset_split."""
        with self._lock:
            example = self._examples.setdefault(
                example_id,
                {"id": example_id, "dataset_id": dataset_id, "inputs": {}, "outputs": None},
            )
            kept_splits = (example.get("metadata") or {}).get("dataset_split") or ["base"]
            example.update(
                {key: body[key] for key in ("inputs", "outputs", "metadata") if key in body}
            )
            example["metadata"] = dict(example.get("metadata") or {})
            split = body.get("split")
            splits = [split] if isinstance(split, str) else split
            given = example["metadata"].get("dataset_split")
            example["metadata"]["dataset_split"] = splits or given or kept_splits
            example.setdefault("created_at", body.get("created_at") or now())
            example.setdefault("source_run_id", body.get("source_run_id"))
            example["modified_at"] = now()
            return {key: example.get(key) for key in EXAMPLE_FIELDS}

    @route("POST", "/v1/platform/datasets/{id}/examples")
    @route("PATCH", "/v1/platform/datasets/{id}/examples")
    def _upsert_examples_multipart(self, request: _Request, dataset_id: str) -> Reply:
        bodies: dict[str, dict[str, Any]] = {}
        for name, _, data in parse_multipart(request.body, request.content_type):
            example_id, _, part = name.partition(".")
            body = bodies.setdefault(example_id, {})
            if part in ("inputs", "outputs"):
                body[part] = json.loads(data)
            elif not part:
                body.update(json.loads(data))
        for example_id, body in bodies.items():
            self._put_example(dataset_id, example_id, body)
        return 200, {"count": len(bodies), "example_ids": list(bodies), "as_of": now()}

    @route("POST", "/examples/bulk")
    def _post_examples_bulk(self, request: _Request) -> Reply:
        created = [
            self._put_example(body["dataset_id"], str(body.get("id") or uuid.uuid4()), body)
            for body in request.json()
        ]
        return 200, created

    @route("PATCH", "/examples/{id}")
    def _patch_example(self, request: _Request, example_id: str) -> Reply:
        with self._lock:
            if example_id not in self._examples:
                return 404, {"detail": "Example not found"}
            dataset_id = self._examples[example_id]["dataset_id"]
            return 200, self._put_example(dataset_id, example_id, request.json())

    @route("GET", "/examples/{id}")
    def _read_example(self, request: _Request, example_id: str) -> Reply:
        example = self.examples.get(example_id)
        if example is None:
            return 404, {"detail": "Example not found"}
        return 200, {key: example.get(key) for key in EXAMPLE_FIELDS}

    @route("GET", "/examples")
    def _list_examples(self, request: _Request) -> Reply:
        dataset, ids, splits = (
            request.arg("dataset"),
            request.query.get("id"),
            request.query.get("splits"),
        )
        wanted = json.loads(request.arg("metadata", "{}"))
        found = [
            {key: example.get(key) for key in EXAMPLE_FIELDS}
            for example in self.examples.values()
            if (not dataset or example["dataset_id"] == dataset)
            and (not ids or example["id"] in ids)
            and (not splits or set(splits) & set(example["metadata"]["dataset_split"]))
            and all(example["metadata"].get(k) == v for k, v in wanted.items())
        ]
        return 200, request.page(found)

    @route("GET", "/info")
    def _read_info(self, request: _Request) -> Reply:
        return 200, self.info

    @route("GET", "/settings")
    def _read_settings(self, request: _Request) -> Reply:
        settings = {"id": self.tenant_id, "display_name": "capture", "created_at": now()}
        return 200, {**settings, "tenant_handle": "capture"}


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    body = b""
    while size := int(stream.readline().split(b";")[0], 16):
        body += stream.read(size)
        stream.readline()
    stream.readline()
    return body


class _Handler(BaseHTTPRequestHandler):
    server: CaptureServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = _read_chunked(self.rfile)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "zstd":
            source = io.BytesIO(body)
            body = (
                zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True).read()
            )
        if self.headers.get("X-API-Key") != self.server.api_key:
            self._send(401, {"detail": "Invalid token"})
            return
        url = urlsplit(self.path)
        content_type = self.headers.get("Content-Type", "")
        path, query = url.path.rstrip("/"), parse_qs(url.query)
        self._send(
            *self.server.answer(_Request(self.command, path, query, content_type, encoding, body))
        )

    def _send(self, status: int, payload: Any) -> None:
        raw = json.dumps(payload, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def reset_langsmith_globals() -> None:
    """Forget langsmith's cached env lookups and global client, flushing that client first."""
    import langsmith.run_trees
    import langsmith.utils

    if langsmith.run_trees._CLIENT is not None:
        langsmith.run_trees._CLIENT.flush(timeout=5)
    langsmith.run_trees._CLIENT = None
    langsmith.utils.get_env_var.cache_clear()  # type: ignore[attr-defined]  # overloaded
    langsmith.utils.get_tracer_project.cache_clear()


@contextmanager
def running_capture(api_key: str = "test-key", *, port: int = 0) -> Iterator[CaptureServer]:
    """Serve the capture server on a loopback port (0: a free one) for the duration of the block."""
    with serving(CaptureServer(api_key, port=port)) as server:
        yield server
