"""A photo-shaped array resized without ``axes``: the trailing-axes default (PyTorch's and
ONNX's, for (N, C, H, W) data) would resize its channel axis, so fastup warns and says what
to pass; with ``axes`` (or data that does not look like a photo) it is silent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fastup


def call(x, *args, **kwargs):
    """fastup.resize, with the warnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fastup.resize(x, *args, **kwargs)
    return result, [w for w in caught if w.category is fastup.ChannelsLastWarning]


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_a_photo_resized_without_axes_warns_with_the_right_call(channels, dtype):
    photo = np.zeros((477, 720, channels), dtype)
    result, caught = call(photo, (954, 1440))
    assert result.shape == (477, 954, 1440)  # the default is kept: only a warning
    assert len(caught) == 1
    message = str(caught[0].message)
    assert (
        f"x of shape (477, 720, {channels}) and dtype {np.dtype(dtype)} looks like an " in message
    )
    assert "(H, W, C) image, but with no 'axes' fastup resizes its axes (1, 2)" in message
    assert "the result has shape (477, 954, 1440). Pass axes=(0, 1) to resize the image" in message
    # the call it names gives the picture
    right, caught = call(photo, (954, 1440), axes=(0, 1))
    assert right.shape == (954, 1440, channels) and not caught


def test_a_scalar_scale_of_a_photo_warns():
    """scale=2.0 with no axes resizes every axis after the first two: C of an (H, W, C)."""
    result, caught = call(np.zeros((477, 720, 3), np.uint8), scale=2.0)
    assert result.shape == (477, 720, 6)
    assert "resizes its axes (2,)" in str(caught[0].message)


def test_a_batch_of_photos_warns_with_axes_1_2():
    result, caught = call(np.zeros((2, 40, 60, 3), np.uint8), (80, 120))
    assert result.shape == (2, 40, 80, 120)
    assert "a batch of (N, H, W, C) images" in str(caught[0].message)
    assert "Pass axes=(1, 2) to resize the images" in str(caught[0].message)


@pytest.mark.parametrize(
    ("x", "args", "kwargs"),
    [
        (np.zeros((477, 720, 3), np.uint8), ((954, 1440),), dict(axes=(0, 1))),  # axes given
        (np.zeros((477, 720, 3), np.uint8), ((954, 1440),), dict(axes=(1, 2))),  # on purpose
        (np.zeros((477, 720, 3), np.float32), ((954, 1440),), {}),  # a float array: (C, H, W)?
        (np.zeros((3, 477, 720), np.uint8), ((954, 1440),), {}),  # channels first
        (np.zeros((477, 720, 5), np.uint8), ((954, 1440),), {}),  # not a photo's channels
        (np.zeros((477, 720, 3), np.uint8), ((954, 3),), {}),  # channel count kept
        (np.zeros((1, 3, 40, 60), np.uint8), ((80, 120),), {}),  # uint8 NCHW
        (np.zeros((40, 60), np.uint8), ((80, 120),), {}),  # grey
    ],
)
def test_no_warning_where_the_default_is_meant(x, args, kwargs):
    _, caught = call(x, *args, **kwargs)
    assert caught == []


def test_the_warning_repeats_for_every_call_and_can_be_an_error():
    """Repeated calls (the fast path) still warn; as an error, nothing is written."""
    photo = np.zeros((20, 30, 3), np.uint8)
    for _ in range(3):
        _, caught = call(photo, (40, 60))
        assert len(caught) == 1
    out = np.full((20, 40, 60), 7, np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", fastup.ChannelsLastWarning)
        with pytest.raises(fastup.ChannelsLastWarning):
            fastup.resize(photo, (40, 60), out=out)
    assert (out == 7).all()
