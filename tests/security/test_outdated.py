"""How far pins are behind the newest release, on a real index served from 127.0.0.1 (PEP 691
JSON), a file:// index (PEP 503 HTML), and an unreachable one (skipped with a note)."""

from __future__ import annotations

import json

from studio.security.outdated import check


def _project(*files: str, yanked: tuple[str, ...] = ()) -> bytes:
    return json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "demo",
            "files": [
                {"filename": f, "url": f"../../f/{f}", "hashes": {}, "yanked": f in yanked}
                for f in files
            ],
        }
    ).encode()


def test_releases_newer_than_the_pin_are_counted_and_a_major_jump_named(http_server):
    body = _project(
        "demo-1.0.0-py3-none-any.whl",
        "demo-1.1.0.tar.gz",
        "demo-1.2.0-py3-none-any.whl",
        "demo-2.0.0-py3-none-any.whl",
        "demo-3.0.0-py3-none-any.whl",  # yanked: not a release to move to
        "demo-2.1.0rc1-py3-none-any.whl",  # a pre-release: not for a stable pin
        yanked=("demo-3.0.0-py3-none-any.whl",),
    )
    server = http_server(
        {("GET", "/simple/demo/"): (200, "application/vnd.pypi.simple.v1+json", body)}
    )
    result = check({"demo": "1.1.0", "absent": "1.0"}, f"{server.url}/simple", 5)
    demo, absent = result.packages
    assert (demo.newest, demo.behind, demo.major_behind) == ("2.0.0", 2, True)
    assert absent.newest is None and absent.note == "not on the index"
    assert result.checked


def test_a_file_index_in_html_is_read(tmp_path):
    page = tmp_path / "simple" / "demo"
    page.mkdir(parents=True)
    (page / "index.html").write_text(
        '<html><body><a href="../../f/demo-0.9.tar.gz#sha256=00">demo-0.9.tar.gz</a>\n'
        '<a href="../../f/demo-1.0-py3-none-any.whl">demo-1.0-py3-none-any.whl</a></body></html>'
    )
    [demo] = check({"demo": "1.0"}, (tmp_path / "simple").as_uri(), 5).packages
    assert (demo.newest, demo.behind) == ("1.0", 0)


def test_an_unreachable_index_skips_the_check_with_a_note_and_hides_credentials(closed_port):
    result = check({"demo": "1.0"}, f"http://user:s3cret@127.0.0.1:{closed_port}/simple", 2)
    assert not result.checked and "not reachable" in result.note
    assert "s3cret" not in result.note and "s3cret" not in result.index
