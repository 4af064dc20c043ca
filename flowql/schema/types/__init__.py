"""GraphQL object types: thin shapes built from what resolvers return."""
