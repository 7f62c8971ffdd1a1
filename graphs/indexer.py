"""Entry point for langgraph.json / LangGraph Studio: the compiled indexer graph."""

from tutor.knowledge.indexer import build_indexer
from tutor.learning.bank import build_bank

graph = build_indexer(questions=build_bank).compile(name="indexer")
