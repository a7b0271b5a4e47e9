"""Published diffractive set-ups as ready-made :class:`~pnnkit.optics.diffractive.DiffractiveNetwork` s."""

from __future__ import annotations

from typing import Any

import numpy as np

from .diffractive import DiffractiveNetwork, DiffractiveNonidealities, default_regions

#: Lin et al., Science 361, 1004 (2018): the MNIST D2NN at 0.4 THz.
D2NN_LIN2018: dict[str, Any] = {
    "wavelength_m": 0.75e-3,
    "pitch_m": 0.4e-3,
    "shape": (200, 200),
    "n_layers": 5,
    "layer_spacing_m": 0.03,
}


def d2nn_lin2018(*, nonideal: DiffractiveNonidealities | dict | None = None, input_shape: tuple[int, int] = (28, 28),
                 input_upsample: int = 4,
                 detector_size_px: int = 20, detector_spacing_px: int = 40, gain: float = 300.0,
                 differential: bool = False, pad: bool = True, dtype: type | np.dtype = np.complex64,
                 init_seed: int = 0) -> DiffractiveNetwork:
    """The D2NN classifier of Lin et al. 2018 (lambda = 0.75 mm, 200 x 200 pixels of 0.4 mm,
    5 phase-only layers 3 cm apart, amplitude-encoded input, 10 detector regions).

    Our choices where the paper leaves room: the 28 x 28 digit is upsampled ``input_upsample``
    times (4 -> 112 px = 44.8 mm) and centred; the input plane is 3 cm before layer 1 and the
    detector plane 3 cm after layer 5; ten square regions of ``detector_size_px`` (8 mm) in
    rows of 3-4-3, ``detector_spacing_px`` apart; logits = ``gain`` x signal / input power.
    ``differential=True`` uses 20 regions as 10 pairs (Li et al. 2019); ``pad=True`` keeps the
    propagation a linear convolution (400 x 400 FFTs).
    """
    p = D2NN_LIN2018
    shape = p["shape"]
    regions = default_regions(shape, detector_size_px, detector_spacing_px)
    pairs = None
    if differential:
        # Each class gets a positive region (the 3-4-3 layout) and a negative one below/right of it.
        half = detector_size_px // 2
        neg = regions.copy()
        neg[:, 1] += half
        pos = regions.copy()
        pos[:, 3] = half
        neg[:, 3] = detector_size_px - half
        regions = np.concatenate([pos, neg])
        pairs = [(k, k + 10) for k in range(10)]
    return DiffractiveNetwork(shape, p["pitch_m"], p["wavelength_m"], [p["layer_spacing_m"]] * (p["n_layers"] + 1),
                              regions, mask="phase", input_shape=input_shape, input_upsample=input_upsample,
                              differential_pairs=pairs, normalize=True, gain=gain, pad=pad, nonideal=nonideal,
                              dtype=dtype, init_seed=init_seed)
