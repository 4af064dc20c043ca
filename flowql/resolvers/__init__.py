"""The use-case layer: plain ``async def f(ctx, *, ...)`` functions shared by REST, GraphQL and CLI.

Resolvers check ownership in the same statement that fetches an object and raise
``flowql.errors`` domain errors; they import no web or GraphQL framework.
"""
