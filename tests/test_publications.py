"""Publications on disk: the layout of earlier versions is taken over once, links switch
atomically, and old publications are pruned but never the current one."""

import os

from orchestration.publish import publications
from orchestration.settings import load_settings


def legacy_home(tmp_path, site_inside_published: bool = False):
    settings = load_settings(home=tmp_path / "home")
    (settings.published_dir / "downloads").mkdir(parents=True)
    settings.published_path.write_bytes(b"old snapshot")
    settings.site_dir.mkdir(parents=True)
    (settings.site_dir / "index.html").write_text("old site")
    if site_inside_published:  # a home copied with its links followed (cp -rL, copytree)
        (settings.published_dir / "site").mkdir()
        (settings.published_dir / "site" / "index.html").write_text("old site")
    return settings


def test_a_home_of_an_earlier_version_becomes_one_publication(tmp_path):
    settings = legacy_home(tmp_path)
    publications.migrate_legacy_layout(settings)
    assert settings.published_dir.is_symlink() and settings.site_dir.is_symlink()
    assert settings.published_path.read_bytes() == b"old snapshot"
    assert (settings.site_dir / "index.html").read_text() == "old site"
    assert [folder.name for folder, _ in publications.listed(settings)] == [
        "00000000T000000Z-legacy"
    ]


def test_a_copy_with_links_followed_is_taken_over_too(tmp_path):
    settings = legacy_home(tmp_path, site_inside_published=True)
    publications.migrate_legacy_layout(settings)
    assert (settings.site_dir / "index.html").read_text() == "old site"
    assert os.readlink(settings.site_dir) == "published/site"


def test_pruning_keeps_the_newest_and_the_current(tmp_path):
    settings = load_settings(home=tmp_path / "home")
    made = []
    for number in range(4):
        folder = settings.publications_dir / f"2026010{number}T000000Z-run{number}"
        folder.mkdir(parents=True)
        publications.complete(folder, {"run_id": f"run{number}"})
        made.append(folder)
    unfinished = settings.publications_dir / "20260109T000000Z-crashed"
    unfinished.mkdir()
    publications.make_current(settings, made[0])  # say, rolled back to the oldest

    removed = publications.prune(settings, keep=2)

    assert sorted(removed) == sorted([made[1], unfinished])
    assert [folder for folder, _ in publications.listed(settings)] == [made[0], *made[2:]]
    assert publications.current(settings) == made[0].resolve()
