"""Reading LinkedIn exports: every known layout, and bad input that costs only itself."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from sf_social.errors import ExportError
from sf_social.posts import Direction, PostKind, SocialPost
from sf_social.sources.linkedin import ADVANCES, Limits, LinkedInExportSource
from sf_social.sources.linkedin.archive import open_export
from sf_social.sources.linkedin.events import Events, read_events
from tests.sources.linkedin import exports as ex


def events(tmp_path: Path, files: dict[str, str], me: str | None = None) -> Events:
    return read_events(open_export(ex.write_export(tmp_path / "export", files)), me)


def by_id(posts: list[SocialPost]) -> dict[str, SocialPost]:
    return {p.id: p for p in posts}


@pytest.mark.parametrize("layout", [ex.MESSAGES_OLD, ex.MESSAGES, ex.MESSAGES_NEW])
def test_every_messages_layout_gives_the_same_events(tmp_path: Path, layout: str) -> None:
    files = {**ex.FULL, "messages.csv": layout}
    got = events(tmp_path, files)
    assert got.rejected == []
    messages = [p for p in got.posts if p.kind is PostKind.MESSAGE]
    assert [(p.direction, p.author and p.author.handle) for p in messages] == [
        (Direction.OUTBOUND, "jane-doe"),
        (Direction.INBOUND, "jane-doe"),
    ]
    assert messages[1].text == "Happy to chat.\nNext week?"
    assert messages[0].author and messages[0].author.company == "Acme Corp"
    baseline = events(tmp_path / "b", ex.FULL)
    assert sorted(by_id(got.posts)) == sorted(by_id(baseline.posts))
    assert got.skipped == (1 if layout is ex.MESSAGES_NEW else 0)  # the draft


def test_connections_with_and_without_the_notes_preamble(tmp_path: Path) -> None:
    for i, text in enumerate((ex.CONNECTIONS, ex.CONNECTIONS_NO_NOTES)):
        got = events(tmp_path / str(i), {"Connections.csv": text})
        jane = by_id(got.posts)["connection:jane-doe"]
        assert jane.kind is PostKind.CONNECTION and jane.author is not None
        assert jane.author.profile_url == "https://www.linkedin.com/in/jane-doe"
        assert (jane.author.name, jane.author.email) == ("Jane Doe", "jane@acme.example")
        assert (jane.author.company, jane.author.position) == ("Acme Corp", "CTO")
        assert jane.created_at is not None and jane.created_at.isoformat().startswith("2024-02-20")
    omar = by_id(events(tmp_path / "o", {"Connections.csv": ex.CONNECTIONS}).posts)
    assert omar["connection:omar-haddad"].author.company == "Globex, Inc."  # type: ignore[union-attr]


def test_invitations_in_both_directions(tmp_path: Path) -> None:
    got = by_id(events(tmp_path, {"Invitations.csv": ex.INVITATIONS}).posts)
    sent = got["invitation:out:jane-doe:202401151504"]
    received = got["invitation:in:lena-park:202402010930"]
    assert sent.direction is Direction.OUTBOUND and sent.text == "Hi Jane - loved your talk"
    assert received.direction is Direction.INBOUND
    assert received.text == "Invitation received from Lena Park"
    assert received.author is not None and received.author.name == "Lena Park"


def test_member_unknown_rejects_messages_with_a_hint(tmp_path: Path) -> None:
    got = events(tmp_path, {"messages.csv": ex.MESSAGES})
    assert got.posts == [] and len(got.rejected) == 2
    assert "--me" in str(got.rejected[0])
    named = events(tmp_path / "me", {"messages.csv": ex.MESSAGES}, me=ex.ME)
    assert len(named.posts) == 2 and named.rejected == []


def test_an_export_in_another_language_is_one_clear_error_and_the_rest_proceeds(
    tmp_path: Path,
) -> None:
    german = (
        "Vorname,Nachname,URL,E-Mail-Adresse,Unternehmen,Position,Verbunden am\n"
        "Jane,Doe,https://www.linkedin.com/in/jane-doe,,Acme,CTO,20 Feb. 2024\n"
    )
    got = events(tmp_path, {"Connections.csv": german, "Invitations.csv": ex.INVITATIONS})
    (error,) = got.rejected
    assert "Connections.csv:1: header" in str(error) and "another language" in str(error)
    assert len(got.posts) == 2  # the invitations


def test_broken_quoting_and_bad_values_cost_one_row_each(tmp_path: Path) -> None:
    text = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        'Bad,"Quote,https://www.linkedin.com/in/bad-quote,,Acme,CTO,20 Feb 2024\n'
        "Jane,Doe,https://www.linkedin.com/in/jane-doe,,Acme,CTO,20 Feb 2024\n"
        "Too,Many,https://www.linkedin.com/in/too-many,,Acme,CTO,20 Feb 2024,extra\n"
        "No,Url,not-a-profile,,Acme,CTO,20 Feb 2024\n"
        "Bad,Date,https://www.linkedin.com/in/bad-date,,Acme,CTO,20 Februar 2024\n"
        "Omar,Haddad,https://www.linkedin.com/in/omar-haddad,,Globex,VP,03 Mar 2024\n"
    )
    got = events(tmp_path, {"Connections.csv": text})
    assert sorted(by_id(got.posts)) == ["connection:jane-doe", "connection:omar-haddad"]
    lines = [(e.line_no, e.field) for e in got.rejected]
    assert lines == [(2, ""), (4, ""), (5, "URL"), (6, "Connected On")]
    assert "broken row" in str(got.rejected[0])


def test_zip_exports_with_or_without_a_folder(tmp_path: Path) -> None:
    for folder in ("", "Basic_LinkedInDataExport_01-01-2025/"):
        path = ex.zip_export(tmp_path / f"export{len(folder)}.zip", ex.FULL, folder)
        source = LinkedInExportSource(path)
        (batch, *rest) = list(source.pull(None))
        posts = [p for b in [batch, *rest] for p in b.posts]
        assert len(posts) == 6 and not batch.rejected


def test_unusable_inputs_raise_export_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ExportError, match="not a folder or a ZIP"):
        open_export(tmp_path / "notes.txt")
    with pytest.raises(ExportError, match="no such file"):
        open_export(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ExportError, match="is this a LinkedIn data export"):
        open_export(empty)


def test_zip_bombs_and_oversized_files_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("messages.csv", "A" * 5_000_000)  # ~1000:1
    with pytest.raises(ExportError, match="compression ratio"):
        open_export(bomb)
    big = ex.zip_export(tmp_path / "big.zip", ex.FULL)
    with pytest.raises(ExportError, match="limit"):
        open_export(big, Limits(max_file_bytes=100))
    with pytest.raises(ExportError, match="limit"):
        open_export(ex.write_export(tmp_path / "dir", ex.FULL), Limits(max_file_bytes=100))


def test_batches_put_the_furthest_events_last_and_resume_from_the_cursor(
    tmp_path: Path,
) -> None:
    source = LinkedInExportSource(ex.write_export(tmp_path / "e", ex.FULL), batch_size=2)
    batches = list(source.pull(None))
    flags = [[bool((p.raw or {})[ADVANCES]) for p in b.posts] for b in batches]
    assert all(len(set(f)) == 1 for f in flags)  # never mixed in one batch
    assert [f[0] for f in flags] == sorted(f[0] for f in flags)  # advancing ones last
    advancing = {p.id for b in batches for p in b.posts if (p.raw or {})[ADVANCES]}
    assert advancing == {
        "connection:omar-haddad",
        "invitation:in:lena-park:202402010930",
        next(
            p.id
            for b in batches
            for p in b.posts
            if p.direction is Direction.INBOUND and p.kind is PostKind.MESSAGE
        ),
    }
    resumed = list(source.pull(batches[1].cursor))
    assert [b.cursor for b in resumed] == [b.cursor for b in batches[2:]]


def test_links_inside_a_folder_export_are_refused_and_never_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:SECRET-FIRST-LINE\n", encoding="utf-8")
    export = ex.write_export(tmp_path / "export", {"Invitations.csv": ex.INVITATIONS})
    (export / "Connections.csv").symlink_to(secret)
    with pytest.raises(ExportError) as caught:
        open_export(export)
    message = str(caught.value)
    assert "Connections.csv is a symbolic link" in message
    assert "SECRET" not in message and str(secret) not in message

    # a linked sub-folder (the one-level layout) is refused the same way
    elsewhere = ex.write_export(tmp_path / "elsewhere", {"Connections.csv": ex.CONNECTIONS})
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "Basic_LinkedInDataExport").symlink_to(elsewhere)
    with pytest.raises(ExportError, match="Basic_LinkedInDataExport is a symbolic link"):
        open_export(nested)


def test_a_linked_export_folder_is_read(tmp_path: Path) -> None:
    """Container volumes mount the export through a link: the folder itself may be one."""
    real = ex.write_export(tmp_path / "real", {"Connections.csv": ex.CONNECTIONS})
    (tmp_path / "volume").symlink_to(real, target_is_directory=True)
    assert open_export(tmp_path / "volume").text("connections.csv") == ex.CONNECTIONS


def test_a_fifo_in_an_export_is_not_read(tmp_path: Path) -> None:
    import os

    export = ex.write_export(tmp_path / "export", {"Invitations.csv": ex.INVITATIONS})
    os.mkfifo(export / "Connections.csv")
    assert open_export(export).text("connections.csv") is None  # never opened: no hang


def test_an_export_with_more_rows_than_the_limit_is_refused(tmp_path: Path) -> None:
    """Memory grows with the events: past ``max_rows`` the export is refused, early."""
    header, row = ex.CONNECTIONS_NO_NOTES.splitlines()
    many = header + "\n" + "\n".join(row.replace("jane-doe", f"p{i}") for i in range(50)) + "\n"
    export = ex.zip_export(tmp_path / "many.zip", {**ex.FULL, "Connections.csv": many})
    source = LinkedInExportSource(export, limits=Limits(max_rows=40))
    with pytest.raises(ExportError, match="more than 40 rows"):
        list(source.pull(None))
    assert len(list(LinkedInExportSource(export, limits=Limits(max_rows=1000)).pull(None))) > 0


def test_the_default_limits_bound_memory() -> None:
    limits = Limits()
    assert limits.max_total_bytes <= 128 * 1024 * 1024 and limits.max_rows <= 120_000
    assert limits.max_ratio <= 100
