"""./manage (the documented way to run a command) and manage.py's one-line configuration errors."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def test_wrapper_runs_a_command_with_the_virtualenv_in_demo_mode(tmp_path):
    # A checkout in tmp_path: the real wrapper and manage.py, .venv pointing at this interpreter's.
    shutil.copy(ROOT / "manage", tmp_path / "manage")
    (tmp_path / "manage.py").symlink_to(ROOT / "manage.py")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [str(tmp_path / "manage"), "help", "create_api_key"],
        env=_env(DJANGO_SECRET_KEY=None, DJANGO_DEMO=None, PYTHONPATH=str(ROOT)),
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: manage.py create_api_key" in result.stdout


def test_wrapper_without_virtualenv_says_to_install_first(tmp_path):
    shutil.copy(ROOT / "manage", tmp_path / "manage")
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [str(tmp_path / "manage"), "check"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "make install" in result.stderr


def test_manage_py_without_secret_key_prints_one_line():
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env=_env(DJANGO_SECRET_KEY=None, DJANGO_DEMO=None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DJANGO_SECRET_KEY" in lines[0] and "DJANGO_DEMO=1" in lines[0]
    assert "Traceback" not in result.stderr
