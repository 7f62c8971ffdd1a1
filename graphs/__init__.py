"""Entry points for langgraph.json and LangGraph Studio: compiled graphs, nothing else."""
