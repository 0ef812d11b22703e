"""Secrets (robot URLs and keys, signing secrets, the SMTP password) come only from the
environment or from the workspace's secrets.toml, never from rules.toml.

A secret named `duty_robot` is read from `YUQING_SECRET_DUTY_ROBOT`, else from
`duty_robot = "..."` in secrets.toml, which must be readable by its owner alone.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path

from yuqing.errors import ConfigError, toml_reason


def env_name(secret: str) -> str:
    return "YUQING_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", secret).upper()


class Secrets:
    def __init__(self, home: Path | None):
        self.path = home / "secrets.toml" if home else None
        self._file: dict[str, str] | None = None
        self.warnings: list[str] = []

    def get(self, name: str | None) -> str | None:
        if not name:
            return None
        value = os.environ.get(env_name(name))
        if value:
            return value
        return self._from_file().get(name)

    def require(self, name: str, what: str) -> str:
        value = self.get(name)
        if not value:
            where = f"环境变量 {env_name(name)}"
            if self.path:
                where += f" 或 {self.path} 中的 {name}"
            raise ConfigError(f"{what}缺少密钥「{name}」：请在{where}中提供")
        return value

    def all_values(self) -> list[str]:
        """Every secret we know of, for redaction."""
        values = [v for k, v in os.environ.items() if k.startswith("YUQING_SECRET_") and v]
        return values + [v for v in self._from_file().values() if v]

    def _from_file(self) -> dict[str, str]:
        if self._file is not None:
            return self._file
        self._file = {}
        if self.path is None or not self.path.exists():
            return self._file
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            self.warnings.append(f"警告：{self.path} 其他用户也能读取，请执行 chmod 600 {self.path}")
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"{self.path}：不是 UTF-8 编码的文本文件") from None
        except tomllib.TOMLDecodeError as exc:  # its reason names places, never the secrets
            raise ConfigError(f"{self.path}：TOML 格式错误，{toml_reason(exc)}") from None
        self._file = {k: v for k, v in data.items() if isinstance(v, str)}
        return self._file
