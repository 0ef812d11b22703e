import pytest
from helpers import run

from yuqing.errors import ConfigError
from yuqing.sources.config import load_sources


def write(home, text):
    home.mkdir(parents=True, exist_ok=True)
    path = home / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_source_add_list_disable_keeps_comments(yuqing_home):
    assert run("init").exit_code == 0
    result = run("source", "add", "http://127.0.0.1:9/rss.xml", "--kind", "rss",
                 "--name", "人民网-时政", "--site", "人民网", "--mainstream")
    assert result.exit_code == 0, result.stderr
    result = run("source", "add", "http://127.0.0.1:9/forum", "--kind", "forum",
                 "--name", "桂北人社区", "--preset", "discuz", "--pages", "2")
    assert result.exit_code == 0, result.stderr
    text = (yuqing_home / "sources.toml").read_text(encoding="utf-8")
    assert "# 信息源配置" in text  # the sample comments survive edits
    sources = load_sources(yuqing_home / "sources.toml")
    assert [(s.name, s.mainstream, s.preset, s.pages) for s in sources] == [
        ("人民网-时政", True, None, 1), ("桂北人社区", False, "discuz", 2)]
    assert run("source", "disable", "桂北人社区").exit_code == 0
    assert not load_sources(yuqing_home / "sources.toml")[1].enabled
    listed = run("source", "list", "--json")
    assert '"status": "已停用"' in listed.stdout and '"status": "未采集"' in listed.stdout


def test_kind_defaults_to_rss_and_a_preset_means_a_forum(yuqing_home):
    run("init")
    assert run("source", "add", "http://127.0.0.1:9/rss.xml", "--name", "新闻").exit_code == 0
    assert run("source", "add", "http://127.0.0.1:9/forum", "--name", "论坛", "--preset", "tieba").exit_code == 0
    sources = load_sources(yuqing_home / "sources.toml")
    assert [(s.name, s.kind) for s in sources] == [("新闻", "rss"), ("论坛", "forum")]


def test_duplicate_name_and_bad_kind_are_refused_in_chinese(yuqing_home):
    run("init")
    args = ("source", "add", "http://127.0.0.1:9/a", "--kind", "rss", "--name", "甲")
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 2 and "已有名为" in again.stderr
    bad = run("source", "add", "http://127.0.0.1:9/b", "--kind", "weibo", "--name", "乙")
    assert bad.exit_code == 2 and "kind 应为 rss 或 forum" in bad.stderr
    ftp = run("source", "add", "ftp://127.0.0.1/b", "--kind", "rss", "--name", "丙")
    assert ftp.exit_code == 2 and "只支持 http" in ftp.stderr
    assert "Traceback" not in again.stderr + bad.stderr + ftp.stderr


@pytest.mark.parametrize("text, expected", [
    ("[[sources]\nname=", "TOML 格式错误"),
    ('[[sources]]\nname = "a"\nkind = "rss"\n', "缺少 url"),
    ('[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://x/"\nmainstream = "yes"\n', "mainstream 应为 true 或 false"),
    ('[[sources]]\nname = "a"\nkind = "forum"\nurl = "http://x/"\npreset = "generic"\n', "需要 [sources.selectors] 中的 row、title"),
    ('[[sources]]\nname = "a"\nkind = "forum"\nurl = "http://x/"\npreset = "vbulletin"\n', "preset 应为"),
    ('[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://x/"\ncolour = 1\n', "不认识的键 colour"),
    ('[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://x/"\nencoding = "klingon"\n', "不认识的编码"),
    ('[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://x/"\n[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://y/"\n', '名称重复："a"（第 1 个和第 2 个 [[sources]]）'),
    ('[[sources]]\nname = 5\nkind = "rss"\nurl = "http://x/"\n', "第 1 个 [[sources]]：缺少 name"),
])
def test_bad_sources_toml_names_file_source_and_key(yuqing_home, text, expected):
    path = write(yuqing_home, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert expected in caught.value.message
    assert str(path) in caught.value.message
    result = run("collect")
    assert result.exit_code == 2 and expected in result.stderr and "Traceback" not in result.stderr


def test_collect_without_sources_says_what_to_do(yuqing_home):
    result = run("collect")
    assert result.exit_code == 2
    assert "yuqing source add" in result.stderr


def test_unknown_source_name(yuqing_home):
    write(yuqing_home, '[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://127.0.0.1:9/"\n')
    result = run("collect", "不存在")
    assert result.exit_code == 2 and "没有这个信息源：不存在" in result.stderr
