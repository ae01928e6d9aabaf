"""A raw TCP server on 127.0.0.1 for HTTP tests: any bytes, paced as asked, with TLS if wanted.

``http.server`` cannot send a malformed status line, 500 headers or a header
dripped a byte at a time; this server sends exactly the bytes a test gives.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable

__all__ = ["RawServer", "answer", "closed_port_url"]


class RawServer:
    """A TCP server on 127.0.0.1 answering every connection with *answer*, paced as asked.

    The first *prompt* bytes go at once, the rest a byte every *interval*
    seconds (at once when 0).  It counts connections (so a test sees how often
    the client tried) and the bytes it managed to send before the client hung up.
    """

    def __init__(
        self,
        answer: bytes,
        *,
        interval: float = 0.0,
        prompt: int = 0,
        tls: ssl.SSLContext | None = None,
        on_request: Callable[[bytes], None] | None = None,
    ) -> None:
        self.tls = tls
        self.on_request = on_request
        self.answer = answer
        self.interval = interval
        self.prompt = prompt
        self.connections = 0
        self.sent: list[int] = []
        self.requests: list[bytes] = []
        self.workers: list[threading.Thread] = []
        self._sending = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.listener.getsockname()[1]}/ports.xml"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            worker = threading.Thread(target=self._answer, args=(connection,), daemon=True)
            self.workers.append(worker)
            worker.start()

    def _answer(self, connection: socket.socket) -> None:
        sent = 0
        stream = connection
        try:
            if self.tls is not None:
                stream = self.tls.wrap_socket(connection, server_side=True)
            self.requests.append(stream.recv(65536))
            if self.on_request is not None:
                self.on_request(self.requests[-1])
            if not self.interval:
                stream.sendall(self.answer)
                sent = len(self.answer)
            else:
                stream.sendall(self.answer[: self.prompt])
                sent = self.prompt
                for byte in self.answer[self.prompt :]:
                    stream.sendall(bytes([byte]))
                    sent += 1
                    self._sending = sent
                    time.sleep(self.interval)
            stream.shutdown(socket.SHUT_WR)
            stream.recv(1)
        except OSError:
            pass
        finally:
            self.sent.append(sent)
            stream.close()
            connection.close()

    def progress(self) -> int:
        """Bytes sent so far on the connection now being answered (0 before any)."""
        return self._sending

    def finished(self) -> list[int]:
        """Wait for every answer to end (the client hung up); the bytes each one sent."""
        for worker in self.workers:
            worker.join(timeout=30)
        return self.sent

    def close(self) -> None:
        self.listener.close()


def answer(status: str = "200 OK", headers: tuple[str, ...] = (), body: bytes = b"") -> bytes:
    """A raw HTTP/1.1 answer."""
    head = "".join(f"{header}\r\n" for header in headers)
    return f"HTTP/1.1 {status}\r\n{head}\r\n".encode("latin-1") + body


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/ports.xml"
