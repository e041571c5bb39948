"""The small project ``pantheon demo`` works on, and the changes its developers make."""

from __future__ import annotations

REPO = "acme/webapp"

INITIAL: dict[str, str] = {
    "README.md": "# webapp\n\nSign-in for Acme's customers.\n",
    "src/models/__init__.py": "",
    "src/models/user.py": '"""People who sign in (US-120 builds this)."""\n',
    ".gitignore": ".bmad/\n.coverage\n__pycache__/\n",
}

# US-120 "Create user model", by whoever wins the checkout.
USER_MODEL: dict[str, str] = {
    "src/models/user.py": '''"""People who sign in."""

import hashlib
import os


class User:
    def __init__(self, email: str, password: str) -> None:
        if "@" not in email:
            raise ValueError(f"not an email address: {email!r}")
        self.email = email.lower()
        self.salt = os.urandom(16)
        self.password_hash = self._hash(password)

    def _hash(self, password: str) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), self.salt, 100_000)

    def check_password(self, password: str) -> bool:
        return self._hash(password) == self.password_hash
''',
    "migrations/0001_users.sql": (
        "CREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email TEXT UNIQUE NOT NULL,\n"
        "  salt BYTEA NOT NULL,\n  password_hash BYTEA NOT NULL\n);\n"
    ),
    "tests/check_user_model.py": '''"""No test framework needed: python tests/check_user_model.py"""

import sys

sys.path.insert(0, "src")

from models.user import User  # noqa: E402

ada = User("Ada@Example.com", "correct horse")
assert ada.email == "ada@example.com"
assert ada.check_password("correct horse")
assert not ada.check_password("wrong")
print("user model: 3 checks passed")
''',
}


def review_fix(current: str) -> dict[str, str]:
    """The change the reviewer asks for in the user model (``current``): compare password
    hashes in constant time."""
    fixed = current.replace("import hashlib\n", "import hashlib\nimport hmac\n").replace(
        "return self._hash(password) == self.password_hash",
        "return hmac.compare_digest(self._hash(password), self.password_hash)",
    )
    return {"src/models/user.py": fixed}


def intruder_edit(current: str) -> dict[str, str]:
    """What the other developer tries to commit on the winner's branch."""
    return {"src/models/user.py": current + "\n# a quick fix of my own\n"}


def alternative_work(key: str, title: str) -> dict[str, str]:
    """The other developer's work on the story they took instead: it touches the user model
    too (where the winner is working), plus a module of its own."""
    slug = "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_")
    return {
        "src/models/user.py": (
            f'"""People who sign in ({key}: {title} keeps its settings here)."""\n\n'
            "SETTINGS_FIELDS = ('mfa_secret', 'reset_token', 'verified_at')\n"
        ),
        f"src/auth/{slug}.py": f'"""{key}: {title}."""\n',
    }
