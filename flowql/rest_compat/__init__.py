"""Langflow-compatible REST routes: parse → resolver → shape. No SQL and no engine calls here."""
