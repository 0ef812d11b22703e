"""The built wheel carries rules.toml, templates/ and the sample data, and runs from a
fresh virtualenv: `yuqing --help` and the offline `yuqing demo`."""

import subprocess
import sys
import venv
from pathlib import Path
from zipfile import ZipFile

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_runs_the_demo(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    [wheel] = dist.glob("yuqing-*.whl")
    names = ZipFile(wheel).namelist()
    assert "yuqing/rules.toml" in names
    assert "yuqing/templates/README.md" in names
    assert "yuqing/sample/forum/discuz-list-1.html" in names
    assert "yuqing/text/tone_model.bin" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    yuqing = env_dir / "bin" / "yuqing"
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "YUQING_HOME": str(tmp_path / "home"),
           "HOME": str(tmp_path)}
    help_run = subprocess.run([str(yuqing), "--help"], capture_output=True, text=True, env=env,
                              timeout=120)
    assert help_run.returncode == 0 and "舆情" in help_run.stdout
    demo = subprocess.run([str(yuqing), "demo"], capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "桂北人社区" in demo.stdout and "共入库" in demo.stdout
    init = subprocess.run([str(yuqing), "init"], capture_output=True, text=True, env=env,
                          timeout=120, cwd=tmp_path)
    assert init.returncode == 0
    assert "[[thresholds]]" in (tmp_path / "home" / "rules.toml").read_text(encoding="utf-8")
