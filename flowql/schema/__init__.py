"""Strawberry declarations only: types, inputs, errors, permissions, extensions, roots."""
