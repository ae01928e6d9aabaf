"""The data package: a reproducible wheel of one release, and the fallback to it while the store is empty."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib
import json
import lzma
import os
import socket
import subprocess
import sys
import sysconfig
import warnings
import zipfile
from pathlib import Path

import pytest

import ianaports
from cli_helpers import run
from ianaports import StaleDataWarning, datapkg
from ianaports.parser import read_source_bytes
from realdata import FIXTURES, PROJECT_ROOT, require_real


@pytest.fixture(scope="session")
def newest_xml() -> bytes:
    """The newest real release's XML, uncompressed."""
    return lzma.decompress(require_real().read_bytes())


@pytest.fixture(scope="session")
def real_wheel(newest_xml, tmp_path_factory) -> Path:
    """The data wheel of the newest real release, built once per session."""
    return datapkg.build_wheel(newest_xml, tmp_path_factory.mktemp("wheel")).path


@pytest.fixture
def installed(real_wheel, tmp_path, monkeypatch) -> Path:
    """The data wheel unpacked on sys.path, as pip would install it; removed afterwards."""
    site = tmp_path / "site"
    with zipfile.ZipFile(real_wheel) as archive:
        archive.extractall(site)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(datapkg, "_PARSED", {})
    importlib.invalidate_caches()
    yield site
    sys.modules.pop("ianaports_data", None)
    importlib.invalidate_caches()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestWheel:
    def test_name_and_version_are_the_release_date(self, real_wheel):
        """The wheel of the release of 2025-12-15 is ianaports_data-2025.12.15-py3-none-any.whl."""
        assert real_wheel.name == "ianaports_data-2025.12.15-py3-none-any.whl"

    def test_same_release_same_bytes(self, newest_xml, real_wheel, tmp_path):
        """Two builds of one release, from the .xz file and from the plain XML, give the same bytes."""
        from_xz = datapkg.build_wheel(read_source_bytes(require_real()), tmp_path / "a")
        from_xml = datapkg.build_wheel(newest_xml, tmp_path / "b")
        assert from_xz.path.read_bytes() == from_xml.path.read_bytes() == real_wheel.read_bytes()

    def test_entries_sorted_timestamps_fixed_record_hashed(self, real_wheel, newest_xml):
        """Every entry is dated 1980-01-01, the package's entries come sorted, RECORD lists each one's sha256."""
        with zipfile.ZipFile(real_wheel) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
            assert names[-1] == "ianaports_data-2025.12.15.dist-info/RECORD"
            package = [name for name in names if name.startswith("ianaports_data/")]
            assert package == sorted(package)
            lines = archive.read(names[-1]).decode().splitlines()
            assert len(lines) == len(names)
            for line in lines[:-1]:
                name, digest, size = line.split(",")
                data = archive.read(name)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert (digest, int(size)) == (f"sha256={expected}", len(data))
            compressed = archive.read("ianaports_data/service-names-port-numbers.xml.zst")
            assert datapkg._zstd().decompress(compressed) == newest_xml

    def test_metadata_names_origin_and_licence(self, real_wheel):
        """METADATA names the distribution, its version, IANA's registry as the source and CC0-1.0."""
        with zipfile.ZipFile(real_wheel) as archive:
            metadata = archive.read("ianaports_data-2025.12.15.dist-info/METADATA").decode()
            release = json.loads(archive.read("ianaports_data/release.json"))
        assert "Name: ianaports_data\nVersion: 2025.12.15\n" in metadata
        assert "License: CC0-1.0\n" in metadata
        assert "Project-URL: Source, https://www.iana.org/assignments/service-names-port-numbers/\n" in metadata
        assert release["updated"] == "2025-12-15"
        assert release["license"] == "CC0-1.0"

    def test_rebuild_with_the_same_bytes_writes_nothing(self, newest_xml, real_wheel):
        """Building a release whose wheel is in the folder with the same bytes keeps that wheel."""
        before = real_wheel.stat().st_mtime_ns
        again = datapkg.build_wheel(newest_xml, real_wheel.parent)
        assert (again.path, again.written, again.version) == (real_wheel, False, "2025.12.15")
        assert real_wheel.stat().st_mtime_ns == before

    def test_rebuild_with_other_bytes_is_the_next_post_release(self, tmp_path):
        """When the published wheel's bytes differ (an older zstd, say), the rebuild is .post1, then kept."""
        xml = (FIXTURES / "child-order.xml").read_bytes()
        (tmp_path / "ianaports_data-2025.12.15-py3-none-any.whl").write_bytes(b"built by an older ianaports")
        rebuilt = datapkg.build_wheel(xml, tmp_path)
        assert (rebuilt.path.name, rebuilt.written) == ("ianaports_data-2025.12.15.post1-py3-none-any.whl", True)
        again = datapkg.build_wheel(xml, tmp_path)
        assert (again.version, again.written) == ("2025.12.15.post1", False)

    def test_wheels_of_other_releases_are_not_compared(self, tmp_path):
        """A wheel of another release in the folder does not make a .postN."""
        (tmp_path / "ianaports_data-2025.11.20-py3-none-any.whl").write_bytes(b"another release")
        built = datapkg.build_wheel((FIXTURES / "child-order.xml").read_bytes(), tmp_path)
        assert built.version == "2025.12.15"

    def test_version_is_pep440_normalised(self):
        """Months and days lose their leading zeros, as PEP 440 normalises them."""
        assert datapkg.wheel_version(dt.date(2024, 1, 5)) == "2024.1.5"


class TestBuildDataCommand:
    def test_from_a_file(self, tmp_path):
        """build-data FILE -o DIR writes the wheel and names it."""
        code, out, err = run("build-data", str(FIXTURES / "child-order.xml"), "-o", str(tmp_path))
        assert (code, err) == (0, "")
        assert "ianaports_data-2025.12.15-py3-none-any.whl" in out
        assert (tmp_path / "ianaports_data-2025.12.15-py3-none-any.whl").is_file()

    def test_from_the_store_same_bytes_as_the_file(self, tmp_path):
        """--version DATE builds from the stored release, byte for byte the wheel of its file."""
        source = FIXTURES / "child-order.xml"
        assert run("sync", "--source", str(source), "--quiet")[0] == 0
        assert run("build-data", "--version", "2025-12-15", "-o", str(tmp_path / "store"))[0] == 0
        assert run("build-data", str(source), "-o", str(tmp_path / "file"))[0] == 0
        name = "ianaports_data-2025.12.15-py3-none-any.whl"
        assert (tmp_path / "store" / name).read_bytes() == (tmp_path / "file" / name).read_bytes()

    def test_from_a_url(self, tmp_path):
        """An http(s) SOURCE is downloaded."""
        responses = pytest.importorskip("responses")
        url = "https://mirror.example/ports.xml"
        with responses.RequestsMock() as mock:
            mock.add(responses.GET, url, body=(FIXTURES / "child-order.xml").read_bytes())
            code, out, _ = run("build-data", url, "-o", str(tmp_path), "--json")
        assert code == 0
        assert json.loads(out)["version"] == "2025.12.15"

    def test_no_source_is_a_usage_error(self, tmp_path):
        """Neither SOURCE nor --version is a usage error (exit 2), as are both."""
        assert run("build-data", "-o", str(tmp_path))[0] == 2
        both = run("build-data", str(FIXTURES / "child-order.xml"), "--version", "2025-12-15", "-o", str(tmp_path))
        assert both[0] == 2

    def test_not_a_registry_is_a_source_error(self, tmp_path):
        """A file that is not a registry exits 3 and writes nothing."""
        bad = tmp_path / "bad.xml"
        bad.write_text("<html/>", encoding="utf-8")
        assert run("build-data", str(bad), "-o", str(tmp_path / "out"))[0] == 3
        assert not list((tmp_path / "out").glob("*.whl"))


class TestFallback:
    def test_not_installed(self):
        """Without the package, installed() is None and nothing changes."""
        assert datapkg.installed() is None

    def test_installed_is_found(self, installed):
        """An unpacked wheel on sys.path is found with its version and release date."""
        package = datapkg.installed()
        assert package is not None
        assert (package.version, package.updated) == ("2025.12.15", dt.date(2025, 12, 15))

    def test_precomputed_records_are_the_parsed_release(self, installed, newest):
        """The records shipped beside the XML are the release the XML parses to."""
        package = datapkg.installed()
        assert package is not None
        decoded = package._decoded()
        assert decoded is not None
        assert decoded.records == newest.records
        assert decoded.people == newest.people

    def test_unreadable_records_fall_back_to_the_xml(self, installed, newest):
        """Records in a codec this ianaports cannot read are skipped: the XML is parsed instead."""
        records = installed / "ianaports_data" / datapkg.RECORDS_FILE
        records.write_bytes(datapkg._zstd().compress(b'{"codec": 999}'))
        package = datapkg.installed()
        assert package is not None
        assert package._decoded() is None
        assert package.registry().records == newest.records

    def test_damaged_xml_is_an_error(self, installed):
        """XML that is not the release the package names (by sha256) is refused, not answered from."""
        (installed / "ianaports_data" / datapkg.DATA_FILE).write_bytes(datapkg._zstd().compress(b"<x/>"))
        package = datapkg.installed()
        assert package is not None
        with pytest.raises(ianaports.IanaportsError, match="damaged"):
            package.xml()

    def test_show_answers_from_the_package_and_says_so_once(self, installed, isolated_cache):
        """With an empty store, show answers from the package and stderr says so once, naming sync."""
        code, out, err = run("show", "2304")
        assert code == 0
        assert "attachmate-uts" in out
        assert err.count("\n") == 1
        assert "ianaports_data 2025.12.15" in err
        assert "'ianaports sync'" in err
        assert ianaports.versions() == ()

    def test_other_release_is_not_the_package(self, installed, monkeypatch):
        """--version of another date does not answer from the package (the store is asked, as before)."""
        monkeypatch.setenv("IANAPORTS_URL", f"http://127.0.0.1:{_closed_port()}/x.xml")
        code, _, err = run("show", "2304", "--version", "2024-01-01")
        assert code != 0
        assert "data package" not in err

    def test_load_warns_and_answers(self, installed):
        """ianaports.load() with an empty store returns the package's release with a StaleDataWarning."""
        with pytest.warns(StaleDataWarning, match=r"ianaports_data 2025\.12\.15.*ianaports sync"):
            registry = ianaports.load()
        assert registry.updated == dt.date(2025, 12, 15)
        assert len(registry) == 14496

    def test_offline_sync_seeds_and_exits_with_the_network_code(self, installed, isolated_cache):
        """sync offline with only the package seeds the store, says so and exits 3; the store keeps it."""
        url = f"http://127.0.0.1:{_closed_port()}/ports.xml"
        code, out, err = run("sync", "--source", url, "--json")
        assert code == 3
        assert json.loads(out)["seeded"]["updated"] == "2025-12-15"
        assert "seeded from the data package (ianaports_data 2025.12.15)" in err
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            versions = ianaports.versions()
        assert [(release.updated, release.source) for release in versions] == [
            (dt.date(2025, 12, 15), "ianaports_data 2025.12.15")
        ]

    def test_sync_says_it_seeded(self, installed):
        """A sync that seeds the store says so before what its sources did."""
        code, out, err = run("sync", "--source", str(require_real("service-names-port-numbers.20251120.xml.xz")))
        assert code == 0, err
        assert out.splitlines()[0] == (
            "seeded the empty store with the registry of 2025-12-15 from ianaports_data 2025.12.15"
        )

    def test_sync_keeps_the_seed_as_history(self, installed):
        """After seeding, an older release synced is history beside the package's release, which stays newest."""
        older = require_real("service-names-port-numbers.20251120.xml.xz")
        code, out, _ = run("sync", "--source", str(older), "--json")
        assert code == 0
        synced = json.loads(out)
        assert synced["seeded"]["updated"] == synced["latest"]["updated"] == "2025-12-15"
        assert [release["updated"] for release in synced["sources"][0]["history"]] == ["2025-11-20"]
        # The store records a file source by its resolved path (../shared may be a symlink).
        assert [(release.updated.isoformat(), release.source) for release in ianaports.versions()] == [
            ("2025-11-20", str(older.resolve())),
            ("2025-12-15", "ianaports_data 2025.12.15"),
        ]


@pytest.mark.slow
class TestFreshVirtualEnvironment:
    def test_installed_package_answers_offline(self, newest_xml, tmp_path):
        """In a fresh venv with the project and the data wheel, show 2304 and load() answer with no network."""
        first = datapkg.build_wheel(newest_xml, tmp_path / "one").path
        second = datapkg.build_wheel(newest_xml, tmp_path / "two").path
        assert first.read_bytes() == second.read_bytes()
        venv = tmp_path / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        subprocess.run(
            [str(python), "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", str(first)],
            check=True,
            capture_output=True,
        )
        # The project and its dependencies come from this environment, without a download: the project's
        # source folder and this interpreter's site-packages, on the new venv's path (after its own).
        site = Path(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (site / "zz_ianaports_test.pth").write_text(
            "\n".join([str(PROJECT_ROOT / "src"), *sorted(ours)]) + "\n", encoding="utf-8"
        )
        home = tmp_path / "home"
        home.mkdir()
        data = tmp_path / "data"
        data.mkdir()
        proxy = f"http://127.0.0.1:{_closed_port()}"
        env = {
            "HOME": str(home),
            "PATH": os.environ.get("PATH", ""),
            "IANAPORTS_DATA_DIR": str(data),
            "HTTPS_PROXY": proxy,
            "HTTP_PROXY": proxy,
            "NO_PROXY": "",
            "PYTHONNOUSERSITE": "1",
        }
        shown = subprocess.run(
            [str(python), "-m", "ianaports", "show", "2304"], env=env, capture_output=True, text=True, check=False
        )
        assert shown.returncode == 0, shown.stderr
        assert "attachmate-uts" in shown.stdout
        assert "ianaports_data 2025.12.15" in shown.stderr
        loaded = subprocess.run(
            [str(python), "-c", "import ianaports; print(ianaports.load().updated)"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert loaded.stdout == "2025-12-15\n"
        assert "StaleDataWarning" in loaded.stderr
