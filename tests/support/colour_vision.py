"""How a colour looks to someone with a colour-vision deficiency, and how far apart two colours are.

Simulation: Machado, Oliveira and Fernandes, "A Physiologically-based Model for Simulation of
Color Vision Deficiency", IEEE Transactions on Visualization and Computer Graphics 15(6), 2009,
their matrices for the full deficiencies (severity 1.0: protanopia, deuteranopia, tritanopia),
applied to linear RGB as the model is defined (sRGB decoded first, IEC 61966-2-1).

Distance: CIEDE2000 (CIE 142-2001), implemented as in Sharma, Wu and Dalal, "The CIEDE2000
Color-Difference Formula: Implementation Notes, Supplementary Test Data, and Mathematical
Observations", Color Research and Application 30(1), 2005; the test data of that paper checks it
(tests/test_colours.py). Colours are taken to CIELAB with the D65 white of sRGB.
"""

from __future__ import annotations

import math

MACHADO = {  # severity 1.0, Machado et al. 2009, table of simulation matrices
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
D65 = (0.95047, 1.0, 1.08883)
SRGB_TO_XYZ = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)


def linear(hex_colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` as linear RGB in [0, 1]."""
    h = hex_colour.lstrip("#")
    channels = [int(h[k : k + 2], 16) / 255 for k in (0, 2, 4)]
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)


def _times(m, v):
    return tuple(sum(a * b for a, b in zip(row, v, strict=True)) for row in m)


def simulate(rgb: tuple[float, float, float], deficiency: str | None) -> tuple[float, float, float]:
    """Linear RGB as seen with ``deficiency`` (None: normal vision), clipped to the gamut."""
    if deficiency is None:
        return rgb
    return tuple(min(1.0, max(0.0, c)) for c in _times(MACHADO[deficiency], rgb))


def lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """Linear RGB to CIELAB (D65)."""
    x, y, z = (v / w for v, w in zip(_times(SRGB_TO_XYZ, rgb), D65, strict=True))

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), following Sharma et al. 2005 step by step."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    C1, C2 = math.hypot(a1, b1), math.hypot(a2, b2)
    Cbar = (C1 + C2) / 2
    G = 0.5 * (1 - math.sqrt(Cbar**7 / (Cbar**7 + 25**7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = math.hypot(a1p, b1), math.hypot(a2p, b2)

    def hue(b, ap):
        return 0.0 if b == 0 and ap == 0 else math.degrees(math.atan2(b, ap)) % 360

    h1p, h2p = hue(b1, a1p), hue(b2, a2p)
    dLp, dCp = L2 - L1, C2p - C1p
    if C1p * C2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dHp = 2 * math.sqrt(C1p * C2p) * math.sin(math.radians(dhp / 2))
    Lbarp, Cbarp = (L1 + L2) / 2, (C1p + C2p) / 2
    if C1p * C2p == 0:
        hbarp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbarp = (h1p + h2p) / 2
    else:
        hbarp = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    T = (
        1
        - 0.17 * math.cos(math.radians(hbarp - 30))
        + 0.24 * math.cos(math.radians(2 * hbarp))
        + 0.32 * math.cos(math.radians(3 * hbarp + 6))
        - 0.20 * math.cos(math.radians(4 * hbarp - 63))
    )
    dtheta = 30 * math.exp(-(((hbarp - 275) / 25) ** 2))
    RC = 2 * math.sqrt(Cbarp**7 / (Cbarp**7 + 25**7))
    SL = 1 + 0.015 * (Lbarp - 50) ** 2 / math.sqrt(20 + (Lbarp - 50) ** 2)
    SC, SH = 1 + 0.045 * Cbarp, 1 + 0.015 * Cbarp * T
    RT = -math.sin(math.radians(2 * dtheta)) * RC
    return math.sqrt((dLp / SL) ** 2 + (dCp / SC) ** 2 + (dHp / SH) ** 2 + RT * (dCp / SC) * (dHp / SH))


def difference(colour1: str, colour2: str, deficiency: str | None = None) -> float:
    """CIEDE2000 between two ``#rrggbb`` colours as someone with ``deficiency`` sees them."""
    return ciede2000(lab(simulate(linear(colour1), deficiency)), lab(simulate(linear(colour2), deficiency)))
