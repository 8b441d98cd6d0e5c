"""Values across the sandbox boundary as data only: a JSON manifest plus raw .npy arrays.

This module imports only the standard library and NumPy: the zygote loads it by path.

Frame layout: MAGIC, u32 manifest length, manifest (UTF-8 JSON), then for each array a
u64 length and the bytes of one `.npy` file. Decoding never unpickles anything
(`np.load(..., allow_pickle=False)`), so a frame written by hostile code is only data.

Manifest nodes: JSON null/true/false/int/string stand for themselves; a float is
{"f": float.hex()}; a complex is {"c": [re.hex(), im.hex()]}; a list {"l": [...]}; a tuple
{"t": [...]}; a dict {"d": [[key, value], ...]} with str or int keys; an ndarray {"a": index};
a NumPy scalar {"s": index} (stored as a 0-d array).
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
from typing import Any

import numpy as np

MAGIC = b"URS1"
MAX_DEPTH = 64

# The sandbox protocol, shared by the zygote (runner.py) and the worker (zygote.py): a job and
# a result are sequences of length-prefixed frames; the child writes SETUP_DONE on its result
# pipe before any learner code runs, and exits with EXIT_SETUP_FAILED if its lock-down failed.
SETUP_DONE = b"S"
EXIT_SETUP_FAILED = 71
FRAME_LENGTH = struct.Struct("<I")

_HEADER = struct.Struct("<4sI")
_LENGTH = struct.Struct("<Q")
# The .npy format, version 1.0: magic, version, u16 header length, then a Python-literal dict.
# np.save and np.load spend most of their time formatting and literal_eval-ing that dict,
# so plain dtypes take a fast path that writes and strictly parses it; anything else (or
# anything this parser does not recognise) goes through np.save / np.load.
_NPY_MAGIC = b"\x93NUMPY\x01\x00"
_NPY_PREFIX = struct.Struct("<8sH")
_NPY_ALIGN = 64
_NPY_HEADER = re.compile(
    r"\{'descr': '([<>|][a-zA-Z]\d+(?:\[\d*[a-zA-Z]+\])?)', "
    r"'fortran_order': (True|False), 'shape': \(((?:\d+, )*\d*|\d+,)\), \} *\n"
)
_NUMPY_SCALAR_TYPES = frozenset(
    t for t in set(np.sctypeDict.values()) if issubclass(t, np.generic) and t is not np.object_
)


class UnsupportedValue(TypeError):
    """Raised when a value is not one of the types that may cross the boundary."""


class MalformedFrame(ValueError):
    """Raised when bytes are not a well-formed frame."""


def _describe(value: Any) -> str:
    kind = type(value)
    if kind.__module__ in ("builtins", "numpy"):
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


def join_frames(parts: list[bytes]) -> bytes:
    """Return `parts` as one blob of length-prefixed frames."""
    return b"".join(FRAME_LENGTH.pack(len(part)) + part for part in parts)


def split_frames(blob: bytes) -> list[bytes]:
    """Return the frames of a blob made by join_frames; raise MalformedFrame if it is cut."""
    parts = []
    offset = 0
    while offset < len(blob):
        if offset + FRAME_LENGTH.size > len(blob):
            raise MalformedFrame("a frame length is truncated")
        (length,) = FRAME_LENGTH.unpack_from(blob, offset)
        offset += FRAME_LENGTH.size
        if offset + length > len(blob):
            raise MalformedFrame("a frame is truncated")
        parts.append(bytes(blob[offset : offset + length]))
        offset += length
    return parts


def encode(value: Any) -> bytes:
    """Return the frame for `value`, or raise UnsupportedValue naming the offending type."""
    arrays: list[bytes] = []
    manifest = _encode_node(value, arrays, 0)
    body = json.dumps(manifest, separators=(",", ":"), allow_nan=False).encode()
    parts = [_HEADER.pack(MAGIC, len(body)), body]
    for blob in arrays:
        parts.append(_LENGTH.pack(len(blob)))
        parts.append(blob)
    return b"".join(parts)


def _save(array: np.ndarray) -> bytes:
    dtype = array.dtype
    if dtype.names is not None or dtype.subdtype is not None or dtype.metadata is not None:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    fortran = array.flags.f_contiguous and not array.flags.c_contiguous
    shape = repr(tuple(int(n) for n in array.shape))
    text = f"{{'descr': '{dtype.str}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
    padding = -(_NPY_PREFIX.size + len(text) + 1) % _NPY_ALIGN
    header = (text + " " * padding + "\n").encode("latin1")
    data = array.tobytes(order="F" if fortran else "C")
    return _NPY_PREFIX.pack(_NPY_MAGIC, len(header)) + header + data


def _load(blob: memoryview) -> np.ndarray:
    """Return the array of one .npy blob; never unpickles (allow_pickle=False)."""
    array = _load_plain(blob)
    if array is None:
        array = np.load(io.BytesIO(blob), allow_pickle=False)
    return array


def _load_plain(blob: memoryview) -> np.ndarray | None:
    """Read a version 1.0 .npy blob of a plain dtype; None if it is anything else.

    Raises MalformedFrame if the header is of that kind but the data does not fit it.
    """
    if len(blob) < _NPY_PREFIX.size:
        return None
    magic, header_length = _NPY_PREFIX.unpack_from(blob, 0)
    start = _NPY_PREFIX.size + header_length
    if magic != _NPY_MAGIC or start > len(blob):
        return None
    match = _NPY_HEADER.fullmatch(bytes(blob[_NPY_PREFIX.size : start]).decode("latin1"))
    if match is None:
        return None
    descr, fortran, dims = match.groups()
    try:
        dtype = np.dtype(descr)
    except TypeError:
        return None
    if dtype.hasobject or dtype.itemsize == 0:
        return None
    shape = tuple(int(n) for n in dims.replace(" ", "").split(",") if n)
    count = math.prod(shape)
    if len(blob) - start != count * dtype.itemsize:
        # Refused here rather than by np.load, which would first allocate the claimed shape.
        raise MalformedFrame("an array's data does not match its shape")
    flat = np.frombuffer(blob[start:], dtype=dtype, count=count)
    # A Fortran-order blob holds the transpose's C-order bytes.
    array = flat.reshape(shape[::-1]).T if fortran == "True" else flat.reshape(shape)
    # A copy owns its memory and is writable, as np.load's result is.
    return array.copy(order="K")


def _encode_node(value: Any, arrays: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise UnsupportedValue(f"the value is nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value
    if kind is float:
        return {"f": value.hex()}
    if kind is complex:
        return {"c": [value.real.hex(), value.imag.hex()]}
    if kind is np.ndarray:
        if value.dtype.hasobject:
            raise UnsupportedValue("an array of Python objects (dtype=object) cannot be returned")
        arrays.append(_save(value))
        return {"a": len(arrays) - 1}
    if kind in _NUMPY_SCALAR_TYPES:
        array = np.asarray(value)
        if type(array) is not np.ndarray or array.dtype.hasobject:
            raise UnsupportedValue(f"a {_describe(value)} cannot be returned")
        arrays.append(_save(array))
        return {"s": len(arrays) - 1}
    if kind is list or kind is tuple:
        items = [_encode_node(item, arrays, depth + 1) for item in value]
        return {"l": items} if kind is list else {"t": items}
    if kind is dict:
        pairs = []
        for key, item in dict.items(value):
            if type(key) not in (str, int):
                raise UnsupportedValue(f"a dict key of type {_describe(key)} cannot be returned")
            pairs.append([key, _encode_node(item, arrays, depth + 1)])
        return {"d": pairs}
    if isinstance(value, np.ndarray):
        raise UnsupportedValue(
            f"a {_describe(value)} (a subclass of numpy.ndarray) cannot be returned; "
            "return a plain array (np.asarray)"
        )
    raise UnsupportedValue(
        f"a {_describe(value)} cannot be returned; use arrays, numbers, strings, None, "
        "or lists, tuples and dicts of those"
    )


def decode(frame: bytes) -> Any:
    """Return the value held in `frame`; raise MalformedFrame on anything unexpected.

    The bytes may come from hostile code: whatever goes wrong while reading them (a float
    out of range, a number too long to parse, memory) is a MalformedFrame, never another error.
    """
    try:
        return _decode(frame)
    except MalformedFrame:
        raise
    except Exception as exc:
        raise MalformedFrame(f"the frame could not be read ({type(exc).__name__})") from exc


def _decode(frame: bytes) -> Any:
    view = memoryview(frame)
    if len(view) < _HEADER.size:
        raise MalformedFrame("the frame is truncated")
    magic, body_length = _HEADER.unpack_from(view, 0)
    if magic != MAGIC:
        raise MalformedFrame("the frame does not start with the expected marker")
    offset = _HEADER.size
    if offset + body_length > len(view):
        raise MalformedFrame("the manifest is truncated")
    try:
        manifest = json.loads(bytes(view[offset : offset + body_length]).decode())
    except (ValueError, RecursionError) as exc:
        raise MalformedFrame("the manifest is not valid JSON") from exc
    offset += body_length
    arrays: list[np.ndarray] = []
    while offset < len(view):
        if offset + _LENGTH.size > len(view):
            raise MalformedFrame("an array length is truncated")
        (length,) = _LENGTH.unpack_from(view, offset)
        offset += _LENGTH.size
        if offset + length > len(view):
            raise MalformedFrame("an array is truncated")
        try:
            array = _load(view[offset : offset + length])
        except Exception as exc:  # np.load raises many types on corrupt input
            raise MalformedFrame(f"an array could not be read ({type(exc).__name__})") from exc
        if type(array) is not np.ndarray or array.dtype.hasobject:
            raise MalformedFrame("an array holds objects")
        arrays.append(array)
        offset += length
    used: set[int] = set()
    value = _decode_node(manifest, arrays, used, 0)
    if len(used) != len(arrays):
        raise MalformedFrame("the frame holds arrays the manifest does not use")
    return value


def _array_at(node: Any, arrays: list[np.ndarray], used: set[int]) -> np.ndarray:
    if type(node) is not int or not 0 <= node < len(arrays) or node in used:
        raise MalformedFrame("an array reference is invalid")
    used.add(node)
    return arrays[node]


def _float(text: Any) -> float:
    if type(text) is not str:
        raise MalformedFrame("a float is not encoded as text")
    try:
        return float.fromhex(text)
    except (ValueError, OverflowError) as exc:
        raise MalformedFrame("a float is malformed") from exc


def _decode_node(node: Any, arrays: list[np.ndarray], used: set[int], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise MalformedFrame("the value is nested too deeply")
    kind = type(node)
    if node is None or kind in (bool, int, str):
        return node
    if kind is not dict or len(node) != 1:
        raise MalformedFrame("a manifest node is malformed")
    ((tag, inner),) = node.items()
    if tag == "f":
        return _float(inner)
    if tag == "c":
        if type(inner) is not list or len(inner) != 2:
            raise MalformedFrame("a complex number is malformed")
        return complex(_float(inner[0]), _float(inner[1]))
    if tag == "a":
        return _array_at(inner, arrays, used)
    if tag == "s":
        array = _array_at(inner, arrays, used)
        if array.ndim != 0:
            raise MalformedFrame("a scalar is not 0-dimensional")
        return array[()]
    if tag in ("l", "t"):
        if type(inner) is not list:
            raise MalformedFrame("a sequence is malformed")
        items = [_decode_node(item, arrays, used, depth + 1) for item in inner]
        return items if tag == "l" else tuple(items)
    if tag == "d":
        if type(inner) is not list:
            raise MalformedFrame("a dict is malformed")
        result = {}
        for pair in inner:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                raise MalformedFrame("a dict entry is malformed")
            result[pair[0]] = _decode_node(pair[1], arrays, used, depth + 1)
        return result
    raise MalformedFrame("a manifest node has an unknown tag")
