"""The tutor graph's nodes, one module per route; `tutor.graph` wires them.

The node modules never import one another (an import-linter contract): what several need
lives in `tutor.messages` and `tutor.state`. `code_input` (finding the program in a message)
and `run_report` (a run in words) belong to the code-run node.
"""

__all__ = ["code_run", "explain", "help", "quiz", "rating", "retrieve", "router"]
