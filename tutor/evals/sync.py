"""LangSmith datasets kept in step with `evals/`: each item once, changed ones updated.

An example's id is derived from its dataset and the item's id, so uploading again creates
nothing twice; what changed in `evals/` is updated in place.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langsmith import Client

EXAMPLE_IDS = uuid.UUID("5b0f3a52-4a0e-4c43-9a51-0b7c2f1e6d11")
"""Namespace of the examples' uuid5 ids: the same item is the same example on every upload."""
Item = tuple[str, dict[str, Any], dict[str, Any]]
"""(eval id, inputs, reference outputs)."""


def sync_dataset(
    client: Client, name: str, items: list[Item], prune: bool
) -> tuple[dict[str, int], list[Any]]:
    """Create or update the dataset so it holds these items once each; return the counts and
    the items' examples. `prune` also deletes examples no longer in the set."""
    if client.has_dataset(dataset_name=name):
        dataset = client.read_dataset(dataset_name=name)
    else:
        dataset = client.create_dataset(
            name, description="tutor's eval set (evals/ in the tutor repository)"
        )
    existing = {str(e.id): e for e in client.list_examples(dataset_id=dataset.id)}
    wanted = {example_id(name, item[0]): item for item in items}
    create: list[dict[str, Any]] = []
    update: list[dict[str, Any]] = []
    for ex_id, (eval_id, inputs, outputs) in wanted.items():
        row: dict[str, Any] = {
            "id": ex_id,
            "inputs": inputs,
            "reference_outputs": outputs,
            "metadata": {"eval_id": eval_id},
        }
        old = existing.get(ex_id)
        if old is None:
            create.append(row)
        elif _changed(old, row):
            update.append(row)
    stale = [ex_id for ex_id in existing if ex_id not in wanted] if prune else []
    if create:
        client.create_examples(dataset_id=dataset.id, examples=create)
    for row in update:
        client.update_example(
            row["id"],
            inputs=row["inputs"],
            outputs=row["reference_outputs"],
            metadata=row["metadata"],
        )
    if stale:
        client.delete_examples(stale)
    examples = [e for e in client.list_examples(dataset_id=dataset.id) if str(e.id) in wanted]
    counts = {"created": len(create), "updated": len(update), "removed": len(stale)}
    counts["unchanged"] = len(wanted) - len(create) - len(update)
    return counts, examples


def example_id(dataset: str, eval_id: str) -> str:
    """The example id of an eval item in a dataset: the same on every upload."""
    return str(uuid.uuid5(EXAMPLE_IDS, f"{dataset}/{eval_id}"))


def _changed(old: Any, row: Mapping[str, Any]) -> bool:
    have = {
        "inputs": old.inputs,
        "outputs": old.outputs,
        "eval_id": (old.metadata or {}).get("eval_id"),
    }
    want = {
        "inputs": row["inputs"],
        "outputs": row["reference_outputs"],
        "eval_id": row["metadata"]["eval_id"],
    }
    return _canonical(have) != _canonical(want)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
