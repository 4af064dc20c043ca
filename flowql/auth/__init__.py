"""Authentication: passwords (argon2), JWT access/refresh tokens, API keys, principal lookup."""
