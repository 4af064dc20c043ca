"""FlowQL: a GraphQL-first server for LLM flows that speaks Langflow's HTTP API."""

__version__ = "0.1.0"
