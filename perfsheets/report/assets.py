"""What rendering needs from the machine and the package: a CJK font, the templates, a URL
fetcher locked to them, safe file names."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from perfsheets.core.cells import file_part
from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import EmployeeResult

PREFERRED_FONT = "Noto Sans CJK SC"
BATCH_SIZE = 16  # employee reports laid out together: bounded memory, one font subset each
MANAGERS_DIR = "managers"
HR_SUMMARY_NAME = "hr_summary.pdf"


# --- environment checks -----------------------------------------------------------------------


def cjk_font_families() -> list[str]:
    """Font families fontconfig offers for Chinese text (empty when none is installed)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return _fontconfig_families()
    out = subprocess.run(
        [exe, ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    families = {name.strip() for line in out.splitlines() for name in line.split(",")}
    return sorted(f for f in families if f)


def _fontconfig_families() -> list[str]:
    """Count CJK fonts through libfontconfig when the fc-list tool is absent."""
    lib_name = ctypes.util.find_library("fontconfig")
    if lib_name is None:
        return []
    fc = ctypes.CDLL(lib_name)
    fc.FcNameParse.restype = ctypes.c_void_p
    fc.FcObjectSetBuild.restype = ctypes.c_void_p
    fc.FcFontList.restype = ctypes.POINTER(ctypes.c_int)  # FcFontSet starts with nfont
    fc.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    pattern = fc.FcNameParse(b":lang=zh")
    objects = fc.FcObjectSetBuild(b"family", None)
    fonts = fc.FcFontList(None, pattern, objects)
    count = fonts[0] if fonts else 0
    return [PREFERRED_FONT] * min(count, 1)


def require_cjk_font(lang: Lang = "zh-CN") -> str:
    """The CJK font family to print with; stop with what to install when there is none."""
    families = cjk_font_families()
    if not families:
        raise PerfsheetsError(
            "没有安装中文字体，报告会显示为方框：请安装 Debian 软件包 fonts-noto-cjk"
            "（sudo apt-get install fonts-noto-cjk）"
            if lang != "en"
            else "No Chinese (CJK) font is installed, reports would print empty boxes: install "
            "the Debian package fonts-noto-cjk (sudo apt-get install fonts-noto-cjk)"
        )
    if PREFERRED_FONT in families:
        return PREFERRED_FONT
    sans = [f for f in families if "Sans" in f and "Mono" not in f]
    return (sans or families)[0]


def harfbuzz_subset_warning(lang: Lang = "zh-CN") -> str | None:
    """A warning when HarfBuzz's subsetter is missing (WeasyPrint then takes ~8 s a report)."""
    if ctypes.util.find_library("harfbuzz-subset"):
        return None
    if lang == "en":
        return (
            "libharfbuzz-subset0 is not installed: each report takes ~30x longer "
            "(sudo apt-get install libharfbuzz-subset0)"
        )
    return "未安装 libharfbuzz-subset0，每份报告的生成时间约长 30 倍（sudo apt-get install libharfbuzz-subset0）"


# --- templates and the locked-down URL fetcher --------------------------------------------------


def package_templates() -> Path:
    """The folder of the report templates shipped inside the package."""
    here = Path(__file__).resolve().parent / "templates"
    if not (here / "employee.html.j2").is_file():
        raise PerfsheetsError(f"perfsheets is installed without its report templates ({here})")
    return here


def template_dirs(templates: str | Path | None = None) -> list[Path]:
    """Report template folders, the user's first: a user folder may override single files."""
    dirs = [package_templates()]
    if templates is not None:
        user = Path(templates).expanduser().resolve()
        if not user.is_dir():
            raise PerfsheetsError(f"{templates}: templates folder not found")
        # Accept either the folder holding report/ or the report folder itself.
        dirs.insert(0, user / "report" if (user / "report").is_dir() else user)
    return dirs


def make_url_fetcher(allowed_dirs: Sequence[Path], allowed_files: Sequence[Path] = ()) -> Any:
    """A WeasyPrint URL fetcher that serves only files inside the template folders (and the
    plan's logo): no other file, no network. Refused URLs are kept in ``fetcher.refused``."""
    import mimetypes

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    dirs = [Path(d).resolve() for d in allowed_dirs]
    files = {Path(f).resolve() for f in allowed_files}

    class AssetFetcher(URLFetcher):
        refused: list[str]

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = _local_path(url)
            if (
                path is not None
                and path.is_file()
                and (path in files or any(path.is_relative_to(d) for d in dirs))
            ):
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            self.refused.append(url)
            raise ValueError(f"perfsheets reports do not fetch {url[:200]}")

    fetcher = AssetFetcher(allowed_protocols=("file",), allow_redirects=False)
    fetcher.refused = []
    return fetcher


def _local_path(url: str) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(parsed.path)).resolve()


# --- file names -------------------------------------------------------------------------------


def safe_file_part(text: str, limit: int = 60) -> str:
    """Text usable in a file name on Windows, macOS and Linux (names keep their Chinese): at
    most ``limit`` characters and 120 bytes (see :func:`perfsheets.core.cells.file_part`)."""
    return file_part(text[:limit], max_bytes=120)


def report_name(result: EmployeeResult, id_part: str | None = None) -> str:
    """``<id>_<name>.pdf``; ``id_part`` from :func:`perfsheets.core.cells.id_file_parts` keeps
    two ids that read alike (``Q/1``, ``Q:1``) apart."""
    part = id_part or safe_file_part(result.employee_id)
    return f"{part}_{safe_file_part(result.name)}.pdf"
