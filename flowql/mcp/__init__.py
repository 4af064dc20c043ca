"""Projects as MCP servers: the per-project streamable HTTP endpoint (:mod:`flowql.mcp.server`)
and the MCP client configs ``install`` writes (:mod:`flowql.mcp.clients`)."""
