"""The raters' replies of ``perfsheets demo --mail``: each simulated return (forms/simulate) goes
back as the mail a rater would send, from their address to the settings' reply-to, the filled
form attached, filed in the HR mailbox that ``fetch`` reads.

A realistic mix, so that fetch's handling shows: some replies carry a signature image or a
.docx work summary beside the form (fetch lists and ignores them), and one rater replies twice
with the same file (fetch saves it once). A return of a rater without an e-mail address stays
in returns/, as HR would get it by hand.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from perfsheets.core.model import Lang
from perfsheets.mail.compose import IndexRow, read_index

SIGNATURE_EVERY = 5  # every 5th reply (from the 2nd) carries a signature image
SUMMARY_EVERY = 10  # every 10th (from the 3rd) a .docx work summary


class Inbox(Protocol):
    """Where a reply is filed (the local IMAP server)."""

    def filing(self) -> AbstractContextManager[Callable[[EmailMessage], None]]: ...


@dataclass
class Replies:
    replied: int = 0  # messages filed in the mailbox (the repeated one counted twice)
    with_extras: int = 0  # of them with a signature image or a .docx beside the form
    sent_twice: int = 0  # replies sent again with the same file
    handed_in: int = 0  # returns of raters without an e-mail: left in returns/
    seconds: float = 0.0


def post_replies(
    inbox: Inbox, forms_dir: Path, returns: Iterable[Path], reply_to: str, lang: Lang
) -> Replies:
    """File one reply per returned form in ``inbox``; the files that went by mail leave
    returns/ (fetch brings them back), the others stay as handed in."""
    started = time.perf_counter()
    rows = sorted(read_index(forms_dir), key=lambda r: len(r.file), reverse=True)
    result = Replies()
    with inbox.filing() as file:
        for path in sorted(returns):
            row = _rater_of(path.name, rows)
            if row is None or not row.email:
                result.handed_in += 1
                continue
            data = path.read_bytes()
            extras = _extras(result.replied, lang)
            file(reply(row, reply_to, [(path.name, data), *extras], lang))
            result.replied += 1
            result.with_extras += bool(extras)
            if result.sent_twice == 0:  # "did it arrive? sending again"
                file(reply(row, reply_to, [(path.name, data)], lang, again=True))
                result.replied += 1
                result.sent_twice += 1
            path.unlink()  # it went by mail: fetch brings it back
    result.seconds = time.perf_counter() - started
    return result


def _rater_of(name: str, rows: list[IndexRow]) -> IndexRow | None:
    """The index row of a return: its file, or the file renamed with words added (longest
    name first, so E0011 is not taken for E001)."""
    return next((r for r in rows if name.startswith(r.file.removesuffix(".xlsx"))), None)


def _extras(count: int, lang: Lang) -> list[tuple[str, bytes]]:
    found = []
    if count % SIGNATURE_EVERY == 1:
        found.append(("签名.png" if lang == "zh-CN" else "signature.png", _png()))
    if count % SUMMARY_EVERY == 2:
        found.append(("工作总结.docx" if lang == "zh-CN" else "work summary.docx", _docx()))
    return found


def reply(
    row: IndexRow, to: str, files: list[tuple[str, bytes]], lang: Lang, *, again: bool = False
) -> EmailMessage:
    """A rater's reply with ``files`` attached."""
    stem = row.file.removesuffix(".xlsx")
    zh = lang == "zh-CN"
    msg = EmailMessage()
    msg["From"] = row.email
    msg["To"] = to
    msg["Subject"] = f"{'回复：' if zh else 'Re: '}{stem}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=row.email.rpartition("@")[2] or "example.com")
    if again:
        body = "上一封好像没发出去，再发一次。" if zh else "Not sure the last one arrived: again."
    else:
        body = (
            "您好，附件是我填好的考核表，请查收。"
            if zh
            else "Hello, my completed form is attached."
        )
    msg.set_content(f"{body}\n\n{row.name}\n")
    for name, data in files:
        main, sub = _type_of(name)
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg


def _type_of(name: str) -> tuple[str, str]:
    if name.endswith(".png"):
        return "image", "png"
    if name.endswith(".docx"):
        return "application", "vnd.openxmlformats-officedocument.wordprocessingml.document"
    return "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _png() -> bytes:
    """A real (tiny, 8×2, grey) PNG, as a mail client's signature image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * 8 for _ in range(2))
    header = struct.pack(">IIBBBBB", 8, 2, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))


def _docx() -> bytes:
    """A small Word file (a zip with its document part), as a work summary someone adds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return buffer.getvalue()
