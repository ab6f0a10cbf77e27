# Type stubs of the native extension `renderiq._native` (Rust, pyo3). Internal: import
# `renderiq` instead. Wire objects cross this boundary as `dict`s in the API's camelCase shape.

import os
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from ._models import WebhookEvent

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

class ParsedEvent:
    """A delivery parsed in Rust and its body, held by a ``WebhookEvent``; each method builds
    its value when first called and returns the same object after (not exported: instances
    only)."""

    def timestamp(self) -> Optional[datetime]: ...
    def render(self) -> Optional[Any]: ...
    def payload(self) -> Any: ...

class Webhook:
    """One webhook's signing secret (``whsec_...``); reuse it for every delivery (it keeps the
    secret decoded and the HMAC keyed). ``renderiq.webhooks.Webhook`` is this class."""

    def __init__(self, secret: str, *, tolerance: float = 300.0) -> None: ...
    def verify(
        self,
        body: Union[bytes, bytearray, memoryview, str],
        headers: Union[Mapping[str, Union[str, bytes]], Iterable[Tuple[Union[str, bytes], Union[str, bytes]]]],
        *,
        now: Union[None, int, float, datetime] = None,
    ) -> WebhookEvent: ...
    def verify_signature(
        self,
        body: Union[bytes, bytearray, memoryview, str],
        headers: Union[Mapping[str, Union[str, bytes]], Iterable[Tuple[Union[str, bytes], Union[str, bytes]]]],
        *,
        now: Union[None, int, float, datetime] = None,
    ) -> None: ...
    def sign(
        self, msg_id: str, timestamp: Union[int, float, datetime], body: Union[bytes, bytearray, memoryview, str]
    ) -> str: ...
def generate_secret() -> str: ...
