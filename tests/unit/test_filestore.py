"""The file store (keys, atomic writes, aborts, appends), display names and download headers,
the bundled profile-picture index, and the resolver API the file components will use."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from flowql.context import Context
from flowql.errors import NotFound, TooLarge
from flowql.filestore import (
    InvalidStoreKey,
    KeyLocks,
    LocalFileStore,
    StoredObjectMissing,
    new_key,
    store_for,
)
from flowql.filestore import profile_pictures as pictures
from flowql.filestore.names import (
    MAX_NAME_CHARS,
    ascii_fallback,
    clean_name,
    content_disposition,
    form_filename,
    split_extension,
)
from flowql.resolvers import files as file_resolvers
from flowql.resolvers import flows as flow_resolvers
from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.conftest import TestUser

OWNER = uuid.UUID("2f092dd9-8351-42f8-bbbe-3919c91adcde")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def collect(store: LocalFileStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.stream(key, chunk_size=3)])


async def test_commit_publishes_under_a_server_chosen_key(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    async with store.writer(OWNER, extension="txt") as writer:
        await writer.write(b"hello ")
        await writer.write(b"world")
        assert [p.parent.name for p in files_under(tmp_path)] == [".tmp"]  # only the temporary file
        assert writer.size == 11
        assert await writer.commit() == 11
    owner, name = writer.key.split("/")
    assert owner == str(OWNER) and len(name) == len("0" * 32 + ".txt") and name.endswith(".txt")
    assert files_under(tmp_path) == [tmp_path / owner / name]
    assert await store.read_bytes(writer.key) == b"hello world"
    assert await collect(store, writer.key) == b"hello world"


async def test_an_exception_inside_the_block_leaves_nothing(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(TooLarge):
        async with store.writer(OWNER) as writer:
            await writer.write(b"partial")
            raise TooLarge("stop")
    assert files_under(tmp_path) == []
    with pytest.raises(StoredObjectMissing):
        await store.read_bytes(writer.key)


async def test_empty_objects_and_unsafe_extensions(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    async with store.writer(OWNER, extension="../../x") as writer:
        assert await writer.commit() == 0
    assert "." not in writer.key.split("/")[1]
    assert await store.read_bytes(writer.key) == b""


async def test_append_is_atomic_and_an_aborted_append_keeps_the_old_bytes(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    async with store.writer(OWNER, extension="log") as first:
        await first.write(b"one\n")
        await first.commit()
    async with store.writer(OWNER, append_to=first.key) as more:
        assert more.key == first.key
        await more.write(b"two\n")
        assert await store.read_bytes(first.key) == b"one\n"  # not visible before the commit
        assert await more.commit() == 8
    assert await store.read_bytes(first.key) == b"one\ntwo\n"
    async with store.writer(OWNER, append_to=first.key) as aborted:
        await aborted.write(b"lost\n")
        await aborted.abort()
    assert await store.read_bytes(first.key) == b"one\ntwo\n"
    assert files_under(tmp_path) == [store.path_of(first.key)]


async def test_appending_to_another_owners_or_a_missing_object_is_refused(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(InvalidStoreKey):
        store.writer(uuid.uuid4(), append_to=new_key(OWNER))
    with pytest.raises(StoredObjectMissing):
        async with store.writer(OWNER, append_to=new_key(OWNER)) as writer:
            await writer.write(b"x")
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "/etc/passwd",
        f"{OWNER}/../../x",
        f"{OWNER}/{'A' * 32}",
        f"{OWNER}/{'a' * 32}.tx/t",
        f"{OWNER}/{'a' * 32}/..",
        f"{OWNER}\\{'a' * 32}",
        f"{OWNER}/{'a' * 32}.{'x' * 17}",
        "",
    ],
)
async def test_keys_that_the_store_does_not_mint_are_never_looked_up(tmp_path: Path, key: str) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(InvalidStoreKey):
        store.path_of(key)
    with pytest.raises(InvalidStoreKey):
        await store.read_bytes(key)
    with pytest.raises(InvalidStoreKey):
        await store.delete(key)


async def test_key_locks_serialise_one_key_and_forget_released_keys() -> None:
    locks = KeyLocks()
    order: list[str] = []

    async def work(key: str, tag: str) -> None:
        async with locks.hold(key):
            order.append(f"{tag}+")
            await asyncio.sleep(0.01)
            order.append(f"{tag}-")

    await asyncio.gather(work("a", "1"), work("a", "2"), work("b", "3"))
    assert order.index("1-") < order.index("2+")  # one key: one holder at a time
    assert order.index("3+") < order.index("1-")  # another key does not wait
    assert len(locks) == 0


def test_store_for_shares_one_store_per_directory(settings: Settings, tmp_path: Path) -> None:
    first = store_for(settings)
    assert store_for(settings.model_copy()) is first  # its locks are every request's
    assert store_for(settings.model_copy(update={"data_dir": tmp_path / "other"})) is not first


def test_the_upload_limit_fits_graphql_int(settings: Settings) -> None:
    assert (
        Settings.model_validate({**settings.model_dump(), "max_file_size_upload": 2047}).max_file_size_upload
        == 2047
    )
    with pytest.raises(ValidationError, match="max_file_size_upload"):
        Settings.model_validate({**settings.model_dump(), "max_file_size_upload": 2048})


async def test_delete_and_missing_objects(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    async with store.writer(OWNER) as writer:
        await writer.write(b"x")
        await writer.commit()
    assert await store.delete(writer.key) is True
    assert await store.delete(writer.key) is False
    with pytest.raises(StoredObjectMissing):
        await store.stream(writer.key)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Отчёт.txt", "Отчёт.txt"),
        ('a"b.txt', 'a"b.txt'),
        ("../../outside.txt", "outside.txt"),
        ("/etc/x", "x"),
        ("C:\\Users\\me\\doc.pdf", "doc.pdf"),
        ("dir/", "file"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        ("  spaced.txt  ", "spaced.txt"),
        ("a\r\nb\x00c.txt", "abc.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("e\u0301.txt", "\u00e9.txt"),
        ("👩\u200d💻.md", "👩\u200d💻.md"),
    ],
)
def test_clean_name(raw: str | None, cleaned: str) -> None:
    assert clean_name(raw) == cleaned


def test_clean_name_for_renames_and_long_names() -> None:
    assert clean_name("a/b\\c", keep_last_segment=False) == "a_b_c"
    long = clean_name("x" * 500 + ".txt")
    assert len(long) == MAX_NAME_CHARS and long.endswith(".txt")


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("notes ü.txt", ("notes ü", "txt")),
        ("archive.tar.gz", ("archive.tar", "gz")),
        (".env", (".env", "")),
        ("x.données", ("x.données", "")),
        ("noext", ("noext", "")),
        ("trailing.", ("trailing.", "")),
    ],
)
def test_split_extension(name: str, parts: tuple[str, str]) -> None:
    assert split_extension(name) == parts


def test_form_filename_undoes_html5_escapes() -> None:
    assert form_filename("a%22b.txt") == 'a"b.txt'
    assert form_filename("a%0D%0Ab") == "ab"
    assert form_filename("100%.txt") == "100%.txt"


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("notes ü.txt", "attachment; filename=\"notes ?.txt\"; filename*=UTF-8''notes%20%C3%BC.txt"),
        ('a"b.txt', "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"),
        ("数据.csv", "attachment; filename=\"??.csv\"; filename*=UTF-8''%E6%95%B0%E6%8D%AE.csv"),
        ("🙂.md", "attachment; filename=\"?.md\"; filename*=UTF-8''%F0%9F%99%82.md"),
        (
            "x\r\nSet-Cookie: a=b.txt",
            "attachment; filename=\"xSet-Cookie: a=b.txt\"; filename*=UTF-8''xSet-Cookie%3A%20a%3Db.txt",
        ),
        ("50%\\off.txt", "attachment; filename=\"50__off.txt\"; filename*=UTF-8''50%25%5Coff.txt"),
    ],
)
def test_content_disposition(name: str, header: str) -> None:
    assert content_disposition(name) == header
    assert "\r" not in header and "\n" not in header


def test_ascii_fallback_is_never_empty() -> None:
    assert ascii_fallback("\r\n") == "file"


def test_profile_picture_index_lists_bundled_svgs_only() -> None:
    listed = pictures.list_pictures()
    assert listed[:1] == ["People/People-01.svg"] and len(listed) == 8
    for ref in listed:
        folder, name = ref.split("/")
        picture = pictures.find_picture(folder, name)
        assert picture is not None and picture.media_type == "image/svg+xml"
        assert picture.content.startswith(b"<svg ") and b"<script" not in picture.content
    index = json.loads(
        Path(pictures.__file__).with_name("profile_pictures").joinpath("index.json").read_text()
    )
    assert sorted(f"{folder}/{name}" for folder, names in index.items() for name in names) == sorted(listed)
    for folder, name in [
        ("..", "flowql.db"),
        ("People", "../index.json"),
        ("People", "index.json"),
        ("", ""),
    ]:
        assert pictures.find_picture(folder, name) is None


# ---------------------------------------------------------------- the resolver API for components


async def test_read_file_bytes_by_id_store_key_or_stored_name(
    ctx_for: Callable[[TestUser], Context], alice: TestUser, bob: TestUser
) -> None:
    ctx = ctx_for(alice)
    saved = await file_resolvers.save_file(ctx, name="data.csv", data=b"a,b\n1,2\n")
    assert saved.name == "data" and saved.path.startswith(f"{alice.id}/")
    assert await file_resolvers.read_file_bytes(ctx, str(saved.id)) == b"a,b\n1,2\n"
    assert await file_resolvers.read_file_bytes(ctx, saved.path) == b"a,b\n1,2\n"
    stored_name = saved.path.split("/")[1]
    assert await file_resolvers.read_file_bytes(ctx, stored_name) == b"a,b\n1,2\n"
    with pytest.raises(NotFound):
        await file_resolvers.read_file_bytes(ctx_for(bob), stored_name)
    for ref in (str(saved.id), saved.path, "../../etc/passwd", f"{alice.id}/../x", "", str(uuid.uuid4())):
        with pytest.raises(NotFound):
            await file_resolvers.read_file_bytes(ctx_for(bob), ref)
    with pytest.raises(NotFound):
        await file_resolvers.read_file_bytes(ctx, "/etc/passwd")


async def test_read_file_bytes_by_v1_flow_file_path(
    ctx_for: Callable[[TestUser], Context], alice: TestUser, bob: TestUser
) -> None:
    ctx = ctx_for(alice)
    flow = await flow_resolvers.create_flow(ctx, values=fb.echo_flow("with files"))
    source = file_resolvers.BytesSource("notes.txt", b"flow file")
    stored = await file_resolvers.upload_flow_file(ctx, flow_id=flow.id, source=source)
    file_path = f"{flow.id}/{stored.name}"  # the upload's file_path
    assert await file_resolvers.read_file_bytes(ctx, file_path) == b"flow file"
    with pytest.raises(NotFound):
        await file_resolvers.read_file_bytes(ctx_for(bob), file_path)
    with pytest.raises(NotFound):
        await file_resolvers.read_file_bytes(ctx, f"{flow.id}/../{stored.name}")


async def test_save_file_appends_and_respects_the_limit(
    ctx_for: Callable[[TestUser], Context], alice: TestUser
) -> None:
    ctx = ctx_for(alice)
    first = await file_resolvers.save_file(ctx, name="out.txt", data=b"1\n")
    again = await file_resolvers.save_file(ctx, name="out.txt", data=b"2\n", append=True)
    assert again.id == first.id and again.size == 4
    assert await file_resolvers.read_file_bytes(ctx, str(first.id)) == b"1\n2\n"
    ctx.settings.max_file_size_upload = 0
    with pytest.raises(TooLarge):
        await file_resolvers.save_file(ctx, name="big.txt", data=b"x")
    store = store_for(ctx.settings)
    assert isinstance(store, LocalFileStore)
    assert files_under(store.root) == [store.path_of(first.path)]
