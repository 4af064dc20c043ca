"""Strawberry declarations only: types, inputs, errors, permissions, extensions, roots.

``build_schema(settings)`` makes the schema of one app; ``export_schema()`` gives the SDL
checked in as ``schema.graphql``; ``app.graphql_router(settings)`` mounts it at ``/graphql``.
"""
