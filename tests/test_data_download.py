"""The downloader against a local HTTP server on 127.0.0.1 (never the internet)."""
import gzip
import hashlib
import http.server
import socket
import threading

import numpy as np
import pytest

from runtime.data import DatasetError, load_dataset
from runtime.data import remotes
from runtime.data.download import OfflineError, Remote, RemoteFile, download_file, ensure
from runtime.data.idx import encode_idx


class FixtureServer:
    """Serves ``files`` (URL path -> bytes) with HTTP Range; paths in ``cut`` stop half way."""

    def __init__(self):
        self.files, self.cut, self.requests = {}, set(), []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("Range")))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if self.headers.get("Range"):
                    start = int(self.headers["Range"].split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path in server.cut:
                    server.cut.discard(self.path)
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def add(self, path, data):
        self.files[path] = data
        return RemoteFile(path.rsplit("/", 1)[1], hashlib.md5(data).hexdigest(), len(data))


@pytest.fixture
def server():
    s = FixtureServer()
    s.thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NETCANVAS_DATA_MIRROR", raising=False)
    return tmp_path / "cache"


def payload(n=300_000, seed=0):
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_download_with_progress(server, tmp_path):
    data = payload()
    file = server.add("/files/blob.bin", data)
    calls = []
    remote = Remote("files", "Blob", (server.base + "/files/",), (file,))
    ensure(remote, tmp_path / "out", progress=lambda done, total, name: calls.append((done, total, name)))
    assert (tmp_path / "out" / "blob.bin").read_bytes() == data
    assert not (tmp_path / "out" / "blob.bin.part").exists()
    assert calls[0] == (0, len(data), "blob.bin") and calls[-1] == (len(data), len(data), "blob.bin")
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))


def test_corrupted_file_is_deleted_with_a_clear_message(server, tmp_path):
    good = server.add("/files/blob.bin", payload())
    server.files["/files/blob.bin"] = payload(seed=1)  # the server now sends other bytes
    remote = Remote("files", "Blob", (server.base + "/files/",), (good,))
    with pytest.raises(DatasetError, match="corrupt .*MD5.*deleted"):
        ensure(remote, tmp_path / "out")
    assert not (tmp_path / "out" / "blob.bin").exists()
    assert not (tmp_path / "out" / "blob.bin.part").exists()


def test_resume_from_a_partial_file(server, tmp_path):
    data = payload()
    file = server.add("/files/blob.bin", data)
    (tmp_path / "blob.bin.part").write_bytes(data[:100_000])
    download_file(server.base + "/files/blob.bin", tmp_path / "blob.bin", file.md5)
    assert (tmp_path / "blob.bin").read_bytes() == data
    assert server.requests == [("/files/blob.bin", "bytes=100000-")]


def test_interrupted_download_resumes_on_the_next_run(server, tmp_path):
    data = payload()
    file = server.add("/files/blob.bin", data)
    server.cut.add("/files/blob.bin")
    url = server.base + "/files/blob.bin"
    with pytest.raises(DatasetError, match="run again to resume"):
        download_file(url, tmp_path / "blob.bin", file.md5)
    assert (tmp_path / "blob.bin.part").stat().st_size == len(data) // 2
    download_file(url, tmp_path / "blob.bin", file.md5)
    assert (tmp_path / "blob.bin").read_bytes() == data
    assert server.requests[-1] == ("/files/blob.bin", f"bytes={len(data) // 2}-")


def test_offline_message_names_files_and_folder(tmp_path):
    remote = Remote("files", "Blob", (closed_port_url(),), (RemoteFile("a.gz", "0" * 32),
                                                              RemoteFile("b.gz", "0" * 32)))
    with pytest.raises(OfflineError) as err:
        ensure(remote, tmp_path / "here")
    message = str(err.value)
    assert "could not be downloaded" in message and "a.gz, b.gz" in message
    assert str(tmp_path / "here") in message and message.count(".") >= 1 and "\n" not in message
    with pytest.raises(OfflineError, match="downloading is off"):
        ensure(remote, tmp_path / "here", download=False)


def tiny_mnist(server, key="mnist"):
    """Serve four tiny IDX files (20 train, 10 test images) under /{key}/; their RemoteFiles."""
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte.gz": (np.arange(20) % 10).astype(np.uint8),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte.gz": np.arange(10).astype(np.uint8)}
    return tuple(server.add(f"/{key}/{name}", gzip.compress(encode_idx(a), mtime=0))
                 for name, a in arrays.items())


def test_mnist_downloads_through_a_mirror_into_the_cache(server, cache, monkeypatch):
    files = tiny_mnist(server)
    monkeypatch.setitem(remotes.REMOTES, "mnist", Remote("mnist", "MNIST", remotes.MNIST.mirrors, files))
    progress = []
    data = load_dataset({"name": "mnist", "mirror": server.base, "val_fraction": 0.25},
                        progress=lambda *a: progress.append(a))
    assert (len(data.train), len(data.val), len(data.test)) == (15, 5, 10)
    assert data.classes == [str(d) for d in range(10)]
    assert sorted(p[2] for p in progress if p[0] == 0) == sorted(f.name for f in files)
    assert (cache / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
    count = len(server.requests)
    monkeypatch.setenv("NETCANVAS_DATA_MIRROR", server.base)  # the env override, now unused
    load_dataset({"name": "mnist"})  # served from the cache
    assert len(server.requests) == count


def test_mirror_from_environment_and_checksum_error(server, monkeypatch):
    files = tiny_mnist(server)
    bad = (RemoteFile(files[0].name, "f" * 32),) + files[1:]
    monkeypatch.setitem(remotes.REMOTES, "mnist", Remote("mnist", "MNIST", ("http://unused.invalid/",), bad))
    monkeypatch.setenv("NETCANVAS_DATA_MIRROR", server.base)
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz downloaded from .* is corrupt"):
        load_dataset({"name": "mnist"})


def test_offline_standard_dataset_message(monkeypatch, cache):
    monkeypatch.setenv("NETCANVAS_DATA_MIRROR", closed_port_url())
    with pytest.raises(OfflineError) as err:
        load_dataset({"name": "mnist"})
    assert str(cache / "mnist") in str(err.value) and "train-images-idx3-ubyte.gz" in str(err.value)
    with pytest.raises(OfflineError, match="downloading is off"):
        load_dataset({"name": "cifar10", "download": False})
