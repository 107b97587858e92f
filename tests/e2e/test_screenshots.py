"""The screenshot script runs the real app on demo data; what it writes must never hold a secret."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from pushwatch.simulator import DEMO_SECRET_KEY

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "export_screenshots.py"
# A TLSSigAPIv2 UserSig is zlib-compressed JSON in a base64 variant: it starts with "eJ" and is long.
USERSIG_SHAPE = re.compile(r"eJ[A-Za-z0-9*_\-]{60,}")


def _load_script():
    spec = importlib.util.spec_from_file_location("export_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def test_screenshots_show_the_demo_and_no_secret(tmp_path: Path) -> None:
    script = _load_script()
    export = await script.export_screenshots(tmp_path)
    names = sorted(p.name for p in export.paths)
    assert names == ["details.svg", "help.svg", "main-80x24.svg", "main.svg"]
    assert DEMO_SECRET_KEY in export.secrets
    assert any(s != DEMO_SECRET_KEY for s in export.secrets), "the UserSigs used were collected"
    for path in export.paths:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<svg") and "</svg>" in text
        for secret in export.secrets:
            assert secret not in text, f"{path.name} shows a secret"
        assert not USERSIG_SHAPE.search(text), f"{path.name} shows something shaped like a UserSig"
    main = (tmp_path / "main.svg").read_text(encoding="utf-8")
    for word in ("INCOMPLETE", "invalid", "pushing", "pending", "done"):
        assert word in main, f"the main view shows a {word} task"
    assert "Raw" in (tmp_path / "details.svg").read_text(encoding="utf-8")
