"""Read settings from the environment, with an optional `.env` file beside manage.py."""

import base64
import hashlib
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Fill os.environ from KEY=value lines; real environment variables win."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def read_keys(name: str) -> list[str]:
    """Keys from `NAME` (comma separated) or from the file named by `NAME_FILE` (one per line)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return env_list(name, [])


def dev_fernet_key(secret: str) -> str:
    """A fixed Fernet key for development and tests, derived from the development secret."""
    digest = hashlib.sha256(f"potluck-field-key:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def dev_hash_key(secret: str) -> str:
    return hashlib.sha256(f"potluck-hash-key:{secret}".encode()).hexdigest()
