"""Entry point for langgraph.json / LangGraph Studio: the compiled indexer graph."""

from tutor.knowledge.indexer import build_indexer

graph = build_indexer().compile(name="indexer")
