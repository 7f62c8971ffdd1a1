"""The tutor graph's nodes, one module each."""
