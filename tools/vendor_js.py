"""Vendor the reading room's browser files and the world outline, by hand:

    python tools/vendor_js.py            # needs npm and the npm registry

Fetches (with `npm pack`, no install scripts run) the minified builds of vega,
vega-lite and vega-embed at the versions vl-convert embeds, so that the page and
`timeline --chart` / `places --map` draw with the same Vega, and world-atlas's
land-110m.json (Natural Earth 1:110m, public domain; world-atlas is ISC). Writes

    conflictcli/web/static/vendor/vega.min.js, vega-lite.min.js, vega-embed.min.js
    conflictcli/web/static/vendor/THIRD-PARTY-NOTICES.txt   every licence text
    conflictcli/web/static/vendor/SOURCES.json              versions and sha256s
    conflictcli/data/land-110m.json                        (the CLI needs it too)

The minified builds carry no copyright headers and bundle d3-*, topojson-client,
vega-tooltip, fast-json-patch, semver, tslib and more: their licences come from an
`npm install --ignore-scripts` of the three packages (every runtime dependency, less
the command-line tools' own: yargs, commander, iconv-lite, rw, and the type-only
@types/*, which no browser build holds; npm resolves today's patch releases, whose
licences are those of the releases the builds bundled). The `//# sourceMappingURL` line is taken off the builds (no .map is shipped, so
a browser's developer tools would ask for a file that is not there); nothing else is
changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "conflictcli" / "web" / "static" / "vendor"
LAND = ROOT / "conflictcli" / "data" / "land-110m.json"
# vl-convert-python 1.9's Vega, Vega-Lite and vega-embed (vl_convert.get_vega_version() ...)
PACKAGES = {"vega": "6.2.0", "vega-lite": "6.4.1", "vega-embed": "7.0.2"}
BUILDS = {"vega": "vega.min.js", "vega-lite": "vega-lite.min.js", "vega-embed": "vega-embed.min.js"}
ATLAS = ("world-atlas", "2.0.2")
CLI_ONLY = {"yargs", "commander", "iconv-lite", "rw"}  # in no browser build
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENSE-MIT.txt", "license", "LICENCE")


def npm(*args: str, cwd: Path) -> str:
    done = subprocess.run(["npm", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"npm {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def unpack(name: str, version: str, work: Path) -> Path:
    """`npm pack name@version` unpacked into work/name; its folder."""
    out = npm("pack", f"{name}@{version}", "--json", cwd=work)
    tarball = work / json.loads(out)[0]["filename"]
    dest = work / name
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


def check_versions() -> None:
    """Warn when the installed vl-convert embeds other versions than these."""
    try:
        import vl_convert as vlc
    except ImportError:
        print("vl-convert is not installed: versions not checked", file=sys.stderr)
        return
    embedded = {"vega": vlc.get_vega_version(), "vega-embed": vlc.get_vega_embed_version()}
    for name, version in embedded.items():
        if version != PACKAGES[name]:
            print(
                f"warning: vl-convert embeds {name} {version}, not {PACKAGES[name]}",
                file=sys.stderr,
            )


def without_source_map(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    if lines and lines[-1].startswith("//# sourceMappingURL="):
        lines.pop()
    return "\n".join(lines) + "\n"


def licence_text(folder: Path) -> str:
    for name in LICENSE_NAMES:
        if (folder / name).is_file():
            return (folder / name).read_text("utf-8").strip()
    return ""


def bundled(work: Path) -> list[tuple[str, str, str, str]]:
    """(name, version, licence, text) of the three packages and every runtime dependency
    reached from them, the command-line tools' left out."""
    (work / "install").mkdir()
    (work / "install" / "package.json").write_text('{"private": true}')
    specs = [f"{n}@{v}" for n, v in PACKAGES.items()]
    npm(
        "install",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--omit=dev",
        *specs,
        cwd=work / "install",
    )
    modules = work / "install" / "node_modules"
    seen: dict[str, tuple[str, str, str, str]] = {}
    todo = list(PACKAGES)
    while todo:
        name = todo.pop()
        if name in seen or name in CLI_ONLY or name.startswith("@types/"):
            continue
        if not (modules / name).is_dir():
            continue
        meta = json.loads((modules / name / "package.json").read_text("utf-8"))
        seen[name] = (
            name,
            meta["version"],
            str(meta.get("license", "?")),
            licence_text(modules / name),
        )
        todo += list(meta.get("dependencies", {}))
    return sorted(seen.values())


def notices(packages: list[tuple[str, str, str, str]], atlas: Path) -> str:
    head = [
        "Third-party files shipped with conflict",
        "=======================================",
        "",
        "conflictcli/web/static/vendor/*.min.js: the minified builds of vega, vega-lite and",
        "vega-embed, which bundle the packages below; conflictcli/data/land-110m.json: from",
        f"world-atlas {ATLAS[1]} (ISC), made from Natural Earth's 1:110m land (public domain).",
        "Written by tools/vendor_js.py. Each package's licence follows, as it ships it.",
        "",
    ]
    parts = ["\n".join(head)]
    atlas_meta = json.loads((atlas / "package.json").read_text("utf-8"))
    rows = [*packages, (ATLAS[0], ATLAS[1], atlas_meta.get("license", "?"), licence_text(atlas))]
    for name, version, licence, text in rows:
        rule = "-" * 78
        parts.append(
            f"{rule}\n{name} {version} ({licence})\n{rule}\n{text or '(no licence file)'}\n"
        )
    parts.append(
        "-" * 78 + "\nNatural Earth (naturalearthdata.com): public domain.\n"
        '"All versions of Natural Earth raster + vector map data found on this website are\n'
        'in the public domain."\n'
    )
    return "\n".join(parts)


def main() -> None:
    check_versions()
    if shutil.which("npm") is None:
        sys.exit("npm is not on PATH")
    VENDOR.mkdir(parents=True, exist_ok=True)
    sources: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, version in PACKAGES.items():
            text = (unpack(name, version, work) / "build" / BUILDS[name]).read_text("utf-8")
            out = VENDOR / BUILDS[name]
            out.write_text(without_source_map(text), "utf-8")
            sources[out.name] = {"package": f"{name}@{version}", "sha256": _sha(out)}
        atlas = unpack(*ATLAS, work)
        LAND.write_bytes((atlas / "land-110m.json").read_bytes())
        sources[LAND.name] = {"package": f"{ATLAS[0]}@{ATLAS[1]}", "sha256": _sha(LAND)}
        (VENDOR / "THIRD-PARTY-NOTICES.txt").write_text(notices(bundled(work), atlas), "utf-8")
    (VENDOR / "SOURCES.json").write_text(json.dumps(sources, indent=2) + "\n", "utf-8")
    for path in [*sorted(VENDOR.iterdir()), LAND]:
        print(f"{path.stat().st_size:>9,}  {path.relative_to(ROOT)}")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    main()
