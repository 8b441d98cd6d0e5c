"""The data-only codec between the sandbox and the worker."""

import json
import struct

import numpy as np
import pytest

from grader.sandbox import codec


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(10**30),
        1.5,
        float("inf"),
        "héllo",
        2 + 3j,
        np.float32(2.5),
        np.int64(-3),
        np.bool_(True),
        np.arange(12.0).reshape(3, 4),
        np.array([1, 2], dtype=np.int8),
        np.zeros((0, 3)),
        (np.ones(2), [1, {"a": (None, 2.0)}]),
        {"x": [1, 2], 3: "three"},
        [],
        (),
    ],
)
def test_value_round_trips_with_its_type(value):
    back = codec.decode(codec.encode(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype
        np.testing.assert_array_equal(back, value)
    else:
        assert repr(back) == repr(value)


def test_nan_survives_as_data():
    back = codec.decode(codec.encode([float("nan"), np.array([np.nan, 1.0])]))
    assert np.isnan(back[0])
    assert np.isnan(back[1][0]) and back[1][1] == 1.0


class _Subclass(np.ndarray):
    pass


class _Custom:
    pass


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (np.array([1, None], dtype=object), "dtype=object"),
        (np.zeros(2).view(_Subclass), "subclass"),
        (_Custom(), "_Custom cannot be returned"),
        ({(1, 2): 3}, "dict key"),
        (b"bytes", "bytes cannot be returned"),
        ({1, 2}, "set cannot be returned"),
    ],
)
def test_unsupported_value_is_refused_by_name(value, words):
    with pytest.raises(codec.UnsupportedValue, match=words):
        codec.encode(value)


def test_self_containing_list_is_refused():
    loop: list = []
    loop.append(loop)
    with pytest.raises(codec.UnsupportedValue, match="nested"):
        codec.encode(loop)


def _frame(manifest, arrays=()):
    body = json.dumps(manifest).encode()
    parts = [codec.MAGIC, struct.pack("<I", len(body)), body]
    for blob in arrays:
        parts += [struct.pack("<Q", len(blob)), blob]
    return b"".join(parts)


def _pickled_object_npy() -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"XXXX\x00\x00\x00\x00",
        codec.MAGIC + struct.pack("<I", 100) + b"{}",
        _frame({"a": 0}, [_pickled_object_npy()]),
        _frame({"a": 1}, [_pickled_object_npy()]),
        _frame({"zz": 1}),
        _frame({"f": 3}),
        _frame({"s": 0}, [b"not an npy file"]),
        _frame(None, [b"\x93NUMPY"]),
        _frame({"l": [{"a": 0}, {"a": 0}]}),
        codec.MAGIC + struct.pack("<I", 2) + b"[" * 2,
    ],
)
def test_malformed_frame_is_rejected_without_unpickling(frame):
    with pytest.raises(codec.MalformedFrame):
        codec.decode(frame)


def test_deeply_nested_manifest_is_rejected():
    manifest = 1
    for _ in range(200):
        manifest = {"l": [manifest]}
    with pytest.raises(codec.MalformedFrame):
        codec.decode(_frame(manifest))


def _npy(text: str, data: bytes = b"") -> bytes:
    header = (text + " " * (-(10 + len(text) + 1) % 64) + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


@pytest.mark.parametrize(
    "array",
    [
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.arange(12.0)[::3],
        np.zeros(3, dtype=">i4"),
        np.array(["ab", "c"]),
        np.array([b"xy"]),
        np.array([1 + 2j], dtype=np.complex64),
        np.zeros(2, dtype="datetime64[ms]"),
        np.zeros(2, dtype=[("a", "<f8"), ("b", "<i2")]),
        np.zeros((2, 0, 3)),
    ],
    ids=["fortran", "strided", "big-endian", "unicode", "bytes", "complex64", "datetime",
         "structured", "empty"],
)  # fmt: skip
def test_array_round_trips_as_np_load_would_read_it(array):
    blob = codec._save(array)
    import io

    expected = np.load(io.BytesIO(blob), allow_pickle=False)
    back = codec.decode(codec.encode(array))
    assert back.dtype == expected.dtype == array.dtype
    assert back.shape == array.shape
    assert back.flags.f_contiguous == expected.flags.f_contiguous
    assert back.flags.writeable
    np.testing.assert_array_equal(back, array)


def test_decoded_arrays_are_writable_copies_of_the_frame():
    frame = codec.encode([np.zeros(3)])
    back = codec.decode(frame)[0]
    back += 1
    np.testing.assert_array_equal(codec.decode(frame)[0], np.zeros(3))


@pytest.mark.parametrize(
    "blob",
    [
        _npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\x00" * 8),
        _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\x00" * 8),
        _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\x00" * 4),
        _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }"),
        _npy("{'descr': '<f8', 'fortran_order': maybe, 'shape': (1,), }", b"\x00" * 8),
        _npy("{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,), }"),
    ],
    ids=["object", "short-data", "truncated", "huge-shape", "bad-literal", "code-in-header"],
)
def test_hand_made_npy_blob_that_np_load_would_refuse_is_malformed(blob):
    with pytest.raises(codec.MalformedFrame):
        codec.decode(_frame({"a": 0}, [blob]))
