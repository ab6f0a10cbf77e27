# Type stubs of the native extension `renderiq._native` (Rust, pyo3). Internal: import
# `renderiq` instead. Wire objects cross this boundary as `dict`s in the API's camelCase shape.

import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

__version__: str
SDK_VERSION: str
DEBUG_BUILD: bool

_Wire = Dict[str, Any]

def check_raw(width: int, height: int, stride: int, length: int) -> int:
    """Checks raw pixel geometry as the core will; answers the stride (0 = width * 4)."""

def prepare_image(call_json: str, data: Optional[Any] = None) -> Tuple[bytes, str]:
    """Runs a prepare_image call (GIL released): the prepared bytes and the result JSON."""

class EncryptedFileStore:
    """A token file sealed with XChaCha20-Poly1305; give a passphrase or a 32-byte key."""

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        passphrase: Optional[str] = None,
        key: Optional[bytes] = None,
    ) -> None: ...
    @property
    def path(self) -> str: ...

class CallOperation:
    """A call started with `Client.start`; `outcome()` is `None` while running, then JSON text."""

    def done(self) -> bool: ...
    def progress(self) -> _Wire: ...
    def cancel(self) -> bool: ...
    def cancelled(self) -> bool: ...
    def wait(self, timeout: Optional[float] = None) -> bool: ...
    def outcome(self) -> Optional[str]: ...

class Client:
    def __init__(self, config_json: str, token_store: Optional[EncryptedFileStore] = None) -> None:
        """From the core's ClientConfig JSON (camelCase: baseUrl, platform, maxRetries, tokenStore, ...)."""
    @property
    def base_url(self) -> str: ...
    def call(self, call_json: str, data: Optional[Any] = None) -> str: ...
    def start(self, call_json: str, data: Optional[Any] = None) -> CallOperation: ...
    def download(self, id: str) -> bytes: ...

class Webhook:
    def __init__(self, secret: str, tolerance: float = 300.0) -> None: ...
    def sign(self, msg_id: str, timestamp: int, body: bytes) -> str: ...
    def verify(self, body: bytes, headers: List[Tuple[str, str]], now: Optional[int] = None) -> None: ...

def parse_event(body: bytes) -> _Wire: ...
def generate_secret() -> str: ...
