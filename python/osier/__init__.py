"""osier: a Python binding of osier's C API (include/osier/osier.h), with ctypes only.

A Home is a local Willow node in a home directory (the same homes the `osier` CLI uses):

    import osier

    osier.init_home("/tmp/h")
    with osier.Home("/tmp/h") as home:
        home.new_identity("alice")
        home.new_namespace("family", communal=True)
        home.put("willow://family.alice/notes/1", b"hello")
        assert home.get("willow://family.alice/notes/1") == b"hello"
        for entry in home.entries("family"):
            print(entry.uri, entry.payload_length)

The shared library is found through $OSIER_LIBRARY (its path), else as libosier_c.so.0 on the
loader's search path. Errors raise OsierError subclasses chosen by the C API's error code
(NotFound, InvalidArgument, ...). A Home, and the iterators made from it, must be used by one
thread at a time (osier.h "Threads").
"""

import ctypes
import os
from dataclasses import dataclass
from typing import Iterator, List, Optional, Union

__all__ = [
    "Home", "Entry", "Name", "init_home", "version", "william3", "William3",
    "OsierError", "InvalidArgument", "InvalidEncoding", "NonCanonic", "Incomplete", "OutOfRange",
    "VerificationError", "NotFound", "IoError", "Corrupt", "InternalError", "ResourceExhausted",
]

PathLike = Union[str, bytes, "os.PathLike[str]"]


# ---- Errors: one class per osier_code_t (their numbers are stable).

class OsierError(Exception):
    """An error of the C API; `code` is its osier_code_t, `message` the whole text."""

    code = 10

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidArgument(OsierError, ValueError):
    code = 1


class InvalidEncoding(OsierError, ValueError):
    code = 2


class NonCanonic(OsierError, ValueError):
    code = 3


class Incomplete(OsierError, ValueError):
    code = 4


class OutOfRange(OsierError, ValueError):
    code = 5


class VerificationError(OsierError):
    code = 6


class NotFound(OsierError, LookupError):
    code = 7


class IoError(OsierError, OSError):
    code = 8


class Corrupt(OsierError):
    code = 9


class InternalError(OsierError):
    code = 10


class ResourceExhausted(OsierError):
    code = 11


_ERRORS = {cls.code: cls for cls in (
    InvalidArgument, InvalidEncoding, NonCanonic, Incomplete, OutOfRange, VerificationError,
    NotFound, IoError, Corrupt, InternalError, ResourceExhausted)}


# ---- The library and its signatures.

def _load() -> ctypes.CDLL:
    path = os.environ.get("OSIER_LIBRARY") or "libosier_c.so.0"
    lib = ctypes.CDLL(path)
    u8p = ctypes.POINTER(ctypes.c_uint8)
    vp = ctypes.c_void_p
    err = ctypes.POINTER(ctypes.c_void_p)  # char**: the message is read, then osier_free'd
    sigs = {
        "osier_error_code": (ctypes.c_int, [vp]),
        "osier_error_code_name": (ctypes.c_char_p, [ctypes.c_int]),
        "osier_free": (None, [vp]),
        "osier_version": (ctypes.c_char_p, []),
        "osier_home_init": (ctypes.c_int, [ctypes.c_char_p, err]),
        "osier_home_open": (vp, [ctypes.c_char_p, ctypes.c_int, err]),
        "osier_home_close": (None, [vp]),
        "osier_home_path": (ctypes.c_char_p, [vp]),
        "osier_names_count": (ctypes.c_size_t, [vp]),
        "osier_names_alias": (ctypes.c_char_p, [vp, ctypes.c_size_t]),
        "osier_names_id": (ctypes.c_char_p, [vp, ctypes.c_size_t]),
        "osier_names_has_secret": (ctypes.c_int, [vp, ctypes.c_size_t]),
        "osier_names_is_communal": (ctypes.c_int, [vp, ctypes.c_size_t]),
        "osier_names_destroy": (None, [vp]),
        "osier_identity_new": (vp, [vp, ctypes.c_char_p, err]),
        "osier_identity_list": (vp, [vp, err]),
        "osier_namespace_new": (vp, [vp, ctypes.c_char_p, ctypes.c_int, err]),
        "osier_namespace_list": (vp, [vp, err]),
        "osier_cap_new": (vp, [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, err]),
        "osier_entry_namespace_id": (u8p, [vp]),
        "osier_entry_subspace_id": (u8p, [vp]),
        "osier_entry_path_count": (ctypes.c_size_t, [vp]),
        "osier_entry_path_component": (u8p, [vp, ctypes.c_size_t,
                                             ctypes.POINTER(ctypes.c_size_t)]),
        "osier_entry_timestamp": (ctypes.c_uint64, [vp]),
        "osier_entry_payload_length": (ctypes.c_uint64, [vp]),
        "osier_entry_payload_digest": (u8p, [vp]),
        "osier_entry_available": (ctypes.c_uint64, [vp]),
        "osier_entry_uri": (ctypes.c_char_p, [vp]),
        "osier_entry_destroy": (None, [vp]),
        "osier_put": (ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                                     ctypes.c_char_p, ctypes.POINTER(vp), err]),
        "osier_put_file": (ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                          ctypes.POINTER(vp), err]),
        "osier_stat": (vp, [vp, ctypes.c_char_p, err]),
        "osier_get": (vp, [vp, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), err]),
        "osier_read_to_file": (ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_char_p,
                                              ctypes.c_int, err]),
        "osier_remove": (ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_char_p,
                                        ctypes.POINTER(ctypes.c_uint64), err]),
        "osier_iter_new": (vp, [vp, ctypes.c_char_p, err]),
        "osier_iter_next": (vp, [vp]),
        "osier_iter_destroy": (None, [vp]),
        "osier_drop_export": (ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
                                             ctypes.POINTER(ctypes.c_uint64), err]),
        "osier_drop_import": (ctypes.c_int, [vp, ctypes.c_char_p,
                                             ctypes.POINTER(ctypes.c_uint64), err]),
        "osier_william3": (None, [ctypes.c_char_p, ctypes.c_size_t, u8p]),
        "osier_william3_keyed": (None, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, u8p]),
        "osier_william3_new": (vp, []),
        "osier_william3_new_keyed": (vp, [ctypes.c_char_p]),
        "osier_william3_update": (None, [vp, ctypes.c_char_p, ctypes.c_size_t]),
        "osier_william3_finalize": (None, [vp, u8p]),
        "osier_william3_destroy": (None, [vp]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


_lib = _load()


def _text(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else s.encode("utf-8")


def _path(p: PathLike) -> bytes:
    return os.fsencode(p)


class _Call:
    """One C call's error out-parameter: pass `.ptr`, then `.check()` raises what it holds."""

    def __init__(self):
        self.err = ctypes.c_void_p()
        self.ptr = ctypes.byref(self.err)

    def check(self) -> None:
        if not self.err.value:
            return
        message = ctypes.string_at(self.err.value).decode("utf-8", "replace")
        code = _lib.osier_error_code(self.err.value)
        _lib.osier_free(self.err)
        self.err = ctypes.c_void_p()
        raise _ERRORS.get(code, OsierError)(message)


def _take_string(ptr: Optional[int]) -> str:
    """A malloc'd C string of the API's, as str; freed."""
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        _lib.osier_free(ptr)


def version() -> str:
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _lib.osier_version().decode()


def init_home(path: Optional[PathLike] = None) -> None:
    """Creates the home's layout where missing (idempotent); None: $OSIER_HOME or the default."""
    call = _Call()
    _lib.osier_home_init(None if path is None else _path(path), call.ptr)
    call.check()


# ---- Values.

@dataclass(frozen=True)
class Entry:
    """An entry's metadata (a copy: it outlives the C handle it was read from)."""

    namespace_id: bytes
    subspace_id: bytes
    path: List[bytes]
    timestamp: int  # microseconds since the Unix epoch
    payload_length: int
    payload_digest: bytes  # WILLIAM3, 32 bytes
    available: int  # leading payload bytes held here
    uri: str

    @property
    def is_tombstone(self) -> bool:
        return self.payload_length == 0

    @staticmethod
    def _from_handle(e: int) -> "Entry":
        n = ctypes.c_size_t()
        path = []
        for i in range(_lib.osier_entry_path_count(e)):
            p = _lib.osier_entry_path_component(e, i, ctypes.byref(n))
            path.append(ctypes.string_at(p, n.value))
        return Entry(
            namespace_id=ctypes.string_at(_lib.osier_entry_namespace_id(e), 32),
            subspace_id=ctypes.string_at(_lib.osier_entry_subspace_id(e), 32),
            path=path,
            timestamp=_lib.osier_entry_timestamp(e),
            payload_length=_lib.osier_entry_payload_length(e),
            payload_digest=ctypes.string_at(_lib.osier_entry_payload_digest(e), 32),
            available=_lib.osier_entry_available(e),
            uri=_lib.osier_entry_uri(e).decode("utf-8"),
        )

    @staticmethod
    def _take(e: int) -> "Entry":
        try:
            return Entry._from_handle(e)
        finally:
            _lib.osier_entry_destroy(e)


@dataclass(frozen=True)
class Name:
    """A named identity or namespace. `id` is text: a namespace's with its '+'/'-' sign."""

    alias: str  # "" for a namespace held without an alias
    id: str
    has_secret: bool
    communal: bool


def _take_names(handle: int) -> List[Name]:
    try:
        return [Name(alias=_lib.osier_names_alias(handle, i).decode("utf-8"),
                     id=_lib.osier_names_id(handle, i).decode("ascii"),
                     has_secret=bool(_lib.osier_names_has_secret(handle, i)),
                     communal=bool(_lib.osier_names_is_communal(handle, i)))
                for i in range(_lib.osier_names_count(handle))]
    finally:
        _lib.osier_names_destroy(handle)


# ---- The home.

class Home:
    """An opened home; a context manager (close() on exit). See osier.h for each operation."""

    def __init__(self, path: Optional[PathLike] = None, read_only: bool = False):
        self._h = None
        call = _Call()
        self._h = _lib.osier_home_open(None if path is None else _path(path), int(read_only),
                                       call.ptr)
        call.check()

    def close(self) -> None:
        if self._h:
            _lib.osier_home_close(self._h)
            self._h = None

    def __enter__(self) -> "Home":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        self.close()

    def _handle(self) -> int:
        if not self._h:
            raise InvalidArgument("invalid argument: the home is closed")
        return self._h

    @property
    def path(self) -> str:
        return os.fsdecode(_lib.osier_home_path(self._handle()))

    # Identities and namespaces.

    def new_identity(self, alias: str) -> str:
        """Creates an identity; returns its id (64 hex digits)."""
        call = _Call()
        p = _lib.osier_identity_new(self._handle(), _text(alias), call.ptr)
        call.check()
        return _take_string(p)

    def identities(self) -> List[Name]:
        call = _Call()
        h = _lib.osier_identity_list(self._handle(), call.ptr)
        call.check()
        return _take_names(h)

    def new_namespace(self, alias: str, communal: bool) -> str:
        """Creates a namespace; returns its id ('+' or '-' and 64 hex digits)."""
        call = _Call()
        p = _lib.osier_namespace_new(self._handle(), _text(alias), int(communal), call.ptr)
        call.check()
        return _take_string(p)

    def namespaces(self) -> List[Name]:
        call = _Call()
        h = _lib.osier_namespace_list(self._handle(), call.ptr)
        call.check()
        return _take_names(h)

    def new_capability(self, namespace: str, receiver: Optional[str] = None,
                       write: bool = True) -> str:
        """Makes and keeps a write (or read) capability for `namespace` whose receiver is the
        identity `receiver` (None: the one identity with a secret key); returns its id."""
        call = _Call()
        p = _lib.osier_cap_new(self._handle(), _text(namespace), _text(receiver), int(write),
                               call.ptr)
        call.check()
        return _take_string(p)

    # Entries.

    def put(self, uri: str, data: bytes, as_identity: Optional[str] = None) -> Entry:
        """Writes the entry `uri` names with payload `data`; returns the entry written."""
        data = bytes(data)
        call = _Call()
        out = ctypes.c_void_p()
        _lib.osier_put(self._handle(), _text(uri), data, len(data), _text(as_identity),
                       ctypes.byref(out), call.ptr)
        call.check()
        return Entry._take(out.value)

    def put_file(self, uri: str, file: PathLike, as_identity: Optional[str] = None) -> Entry:
        call = _Call()
        out = ctypes.c_void_p()
        _lib.osier_put_file(self._handle(), _text(uri), _path(file), _text(as_identity),
                            ctypes.byref(out), call.ptr)
        call.check()
        return Entry._take(out.value)

    def stat(self, uri: str) -> Entry:
        call = _Call()
        e = _lib.osier_stat(self._handle(), _text(uri), call.ptr)
        call.check()
        return Entry._take(e)

    def get(self, uri: str) -> bytes:
        """The payload (or the URI's ?from=&to= slice of it)."""
        call = _Call()
        n = ctypes.c_size_t()
        p = _lib.osier_get(self._handle(), _text(uri), ctypes.byref(n), call.ptr)
        call.check()
        try:
            return ctypes.string_at(p, n.value)
        finally:
            _lib.osier_free(p)

    def read_to_file(self, uri: str, file: PathLike, overwrite: bool = False) -> None:
        call = _Call()
        _lib.osier_read_to_file(self._handle(), _text(uri), _path(file), int(overwrite),
                                call.ptr)
        call.check()

    def remove(self, uri: str, as_identity: Optional[str] = None) -> int:
        """Willow's delete of everything at and below `uri`'s path; returns how many it pruned."""
        call = _Call()
        pruned = ctypes.c_uint64()
        _lib.osier_remove(self._handle(), _text(uri), _text(as_identity), ctypes.byref(pruned),
                          call.ptr)
        call.check()
        return pruned.value

    def entries(self, area: str) -> Iterator[Entry]:
        """The entries of an Area URI or a namespace (alias or id), read when called."""
        call = _Call()
        it = _lib.osier_iter_new(self._handle(), _text(area), call.ptr)
        call.check()
        return _EntryIterator(self, it)

    # Drops.

    def export_drop(self, area: str, file: PathLike, overwrite: bool = False) -> int:
        """Writes the area's entries and payloads to a drop file; returns the entry count."""
        call = _Call()
        n = ctypes.c_uint64()
        _lib.osier_drop_export(self._handle(), _text(area), _path(file), int(overwrite),
                               ctypes.byref(n), call.ptr)
        call.check()
        return n.value

    def import_drop(self, file: PathLike) -> int:
        """Verifies, then ingests a drop file; returns how many entries the store took."""
        call = _Call()
        n = ctypes.c_uint64()
        _lib.osier_drop_import(self._handle(), _path(file), ctypes.byref(n), call.ptr)
        call.check()
        return n.value


class _EntryIterator:
    """Iterates an osier_iter_t; holds its Home so the home outlives it."""

    def __init__(self, home: Home, it: int):
        self._home = home
        self._it = it

    def __iter__(self) -> "_EntryIterator":
        return self

    def __next__(self) -> Entry:
        if not self._it:
            raise StopIteration
        e = _lib.osier_iter_next(self._it)
        if not e:
            self.close()
            raise StopIteration
        return Entry._from_handle(e)

    def close(self) -> None:
        if self._it:
            _lib.osier_iter_destroy(self._it)
            self._it = None

    def __del__(self):
        self.close()


# ---- WILLIAM3.

def _digest_buffer():
    return (ctypes.c_uint8 * 32)()


def _key(key: bytes) -> bytes:
    key = bytes(key)
    if len(key) != 32:
        raise InvalidArgument("invalid argument: a WILLIAM3 key is 32 bytes")
    return key


def william3(data: bytes, key: Optional[bytes] = None) -> bytes:
    """The WILLIAM3 digest (32 bytes) of `data`; keyed mode with a 32-byte `key`."""
    data = bytes(data)
    out = _digest_buffer()
    if key is None:
        _lib.osier_william3(data, len(data), out)
    else:
        _lib.osier_william3_keyed(_key(key), data, len(data), out)
    return bytes(out)


class William3:
    """Incremental WILLIAM3, hashlib-style: update(), digest(), hexdigest()."""

    digest_size = 32

    def __init__(self, data: bytes = b"", key: Optional[bytes] = None):
        self._h = (_lib.osier_william3_new() if key is None
                   else _lib.osier_william3_new_keyed(_key(key)))
        if not self._h:
            raise MemoryError("osier_william3_new")
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        data = bytes(data)
        _lib.osier_william3_update(self._h, data, len(data))

    def digest(self) -> bytes:
        out = _digest_buffer()
        _lib.osier_william3_finalize(self._h, out)
        return bytes(out)

    def hexdigest(self) -> str:
        return self.digest().hex()

    def __del__(self):
        if getattr(self, "_h", None):
            _lib.osier_william3_destroy(self._h)
            self._h = None
