"""The workspace: one directory holding the database, configuration, logs and output.

Chosen by `--home`, else the `YUQING_HOME` environment variable, else `~/yuqing`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from yuqing.errors import ConfigError, StoreError, os_reason

DEFAULT_HOME = Path("~/yuqing")

SAMPLE_SOURCES = """\
# 信息源配置（yuqing source add / disable 会修改本文件，注释会保留）。
# 每个 [[sources]] 是一个信息源：
#   name       名称（唯一）
#   kind       rss（新闻网站 RSS/Atom/JSON Feed）或 forum（论坛帖子列表页）
#   url        订阅地址或列表页地址（仅 http/https）
#   site       网站或版块名称，例如 "人民网"、"桂北人社区"
#   mainstream 是否主流网站（中央、省级新闻网站），计入"主流网站数"
#   enabled    false 表示停用
# 论坛专用：
#   preset     discuz | phpbb | tieba | generic
#   pages      最多翻几页列表（默认 1）
#   [sources.selectors]  generic 预设必须写 row、title；可选 link、author、time、comments、clicks、next
# 可选：
#   encoding    网站声明的编码不对时强制指定，例如 "gb18030"
#   cookie_file 需要登录的论坛：Cookie 文件（Netscape cookies.txt 或一行 "k=v; k2=v2"），每次运行重新读取
#   [sources.headers]  额外的请求头
#   allow_private = true  允许重定向到内网、本机或链路本地地址（默认拒绝，防止被引入内网）
#
# 示例：
# [[sources]]
# name = "人民网-时政"
# kind = "rss"
# url = "http://www.people.com.cn/rss/politics.xml"
# site = "人民网"
# mainstream = true
#
# [[sources]]
# name = "桂北人社区-百姓话题"
# kind = "forum"
# preset = "discuz"
# url = "https://bbs.example.cn/forum.php?mod=forumdisplay&fid=2"
# site = "桂北人社区"
# pages = 2
# cookie_file = "cookies/guibeiren.txt"
"""

SAMPLE_SECRETS = """\
# 密钥文件：机器人地址、签名密钥、邮箱密码只写在这里或环境变量中，不写进 rules.toml。
# 本文件只应由本人读取（yuqing init 创建时已设为 600；复制过来的请执行 chmod 600 secrets.toml）。
# 每行「名称 = "值"」，名称就是 rules.toml 中 url_secret / sign_secret / password_secret 写的名称；
# 同名环境变量 YUQING_SECRET_<名称大写> 优先，例如 duty_robot 对应 YUQING_SECRET_DUTY_ROBOT。
#
# 示例（去掉行首的 # 并换成真实的值）：
# duty_robot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"   # 企业微信群机器人地址
# duty_robot_sign = "SEC…"                                                # 钉钉加签密钥（可选）
# smtp_password = "…"                                                     # 发信邮箱的授权码
"""


@dataclass(frozen=True)
class Workspace:
    home: Path

    @property
    def db_path(self) -> Path:
        return self.home / "yuqing.db"

    @property
    def rules_path(self) -> Path:
        return self.home / "rules.toml"

    @property
    def sources_path(self) -> Path:
        return self.home / "sources.toml"

    @property
    def secrets_path(self) -> Path:
        return self.home / "secrets.toml"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def templates_dir(self) -> Path:
        return self.home / "templates"

    @property
    def tone_model_path(self) -> Path:
        """The office's own negativity model (`yuqing tone train`); absent: the shipped one."""
        return self.home / "models" / "tone_model.bin"

    def paths(self) -> dict[str, Path]:
        """What lives where, in the order `yuqing paths` prints it."""
        return {
            "工作目录": self.home,
            "数据库": self.db_path,
            "分级规则": self.rules_path,
            "信息源": self.sources_path,
            "密钥": self.secrets_path,
            "日志": self.logs_dir,
            "发件箱": self.outbox_dir,
            "报告": self.reports_dir,
            "自定义模板": self.templates_dir,
            "本单位负面倾向模型": self.tone_model_path,
        }

    def has_run_before(self) -> bool:
        """Traces a used workspace keeps outside its database: the run log, a -wal, a copy
        kept by restore, notices in the outbox, reports written."""
        log = self.logs_dir / "yuqing.log"
        if log.exists() and log.stat().st_size > 0:
            return True
        if any(Path(str(self.db_path) + s).exists() for s in ("-wal", "-shm")):
            return True
        if any(self.home.glob("yuqing.db.before-restore-*")):
            return True
        return any(_has_files(d) for d in (self.outbox_dir, self.reports_dir))

    def require_database(self) -> None:
        """A database that vanished from a used workspace is an error, never quietly replaced
        by an empty one (only `yuqing init` creates it then)."""
        if not self.db_path.exists() and self.has_run_before():
            raise StoreError(
                f"数据库文件不见了：{self.db_path}（该工作目录运行过，见 {self.logs_dir}）。"
                "请用 yuqing restore <备份文件> 恢复；确需从空库重新开始，运行 yuqing init"
            )

    def exists(self) -> bool:
        return self.sources_path.exists() or self.db_path.exists()

    def ensure_dirs(self) -> None:
        try:
            for directory in (self.home, self.logs_dir, self.outbox_dir, self.reports_dir):
                directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"无法创建工作目录 {self.home}：{os_reason(exc)}") from None


def _has_files(directory: Path) -> bool:
    return directory.is_dir() and any(p.is_file() for p in directory.rglob("*"))


def resolve_home(option: str | Path | None = None) -> Workspace:
    raw = option or os.environ.get("YUQING_HOME") or DEFAULT_HOME
    return Workspace(Path(raw).expanduser().resolve())


def bundled_path(*parts: str) -> Path:
    """A file shipped with the package (rules.toml, templates/, sample/).

    The wheel carries the top-level `rules.toml` and `templates/` inside the package;
    a source checkout (editable install) has them one level up.
    """
    inside = Path(str(resources.files("yuqing"))).joinpath(*parts)
    if inside.exists():
        return inside
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


def bundled_rules_text() -> str:
    return bundled_path("rules.toml").read_text(encoding="utf-8")


def init_workspace(workspace: Workspace) -> list[Path]:
    """Create the workspace with commented sample configuration; never overwrite."""
    workspace.ensure_dirs()
    created = []
    for path, text in (
        (workspace.sources_path, SAMPLE_SOURCES),
        (workspace.rules_path, bundled_rules_text()),
    ):
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            created.append(path)
    if _write_private(workspace.secrets_path, SAMPLE_SECRETS):
        created.append(workspace.secrets_path)
    return created


def _write_private(path: Path, text: str) -> bool:
    """Create a file only its owner can read (created 600, never widened); False if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise ConfigError(f"无法创建 {path}：{os_reason(exc)}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return True


def ensure_workspace(workspace: Workspace) -> None:
    """Commands that write need the workspace; create it quietly on first use. One this
    account may only read (a read-only share or copy, another officer's account) is used
    as it is: reading commands work, and the first write says the workspace is read-only."""
    if workspace.db_path.is_file() and not os.access(workspace.home, os.W_OK):
        return
    init_workspace(workspace)
