"""The center's digital seal as a QR code (docs/printing.md §5, docs/document-content.md "The seal string").

The seal is ``KJ1:`` + Base45, which is entirely in QR's alphanumeric set, so it is encoded in
alphanumeric mode (5.5 bits/char instead of 8) with error correction M.  Each module is an exact
integer number of device dots, never resampled: the profile's ``qr_module_dots``, the smallest count
with a module ≥ 0.34 mm (the ICAO/BSI minimum of 0.3386 mm, rounded up), and the quiet zone is the
standard 4 modules.
"""

from __future__ import annotations

import numpy as np
import qrcode
import qrcode.constants
import qrcode.util
from PIL import Image

from printer.document import parse_seal
from printer.profiles import SecurityParams

__all__ = ["MIN_MODULE_MM", "QUIET_ZONE", "qr_image", "qr_matrix"]

MIN_MODULE_MM = 0.34
QUIET_ZONE = 4


def qr_matrix(seal: str) -> np.ndarray:
    """The module matrix (True = dark) including the 4-module quiet zone.

    :raises DocumentError: if ``seal`` is not a valid seal string.
    """
    parse_seal(seal)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=QUIET_ZONE)
    qr.add_data(qrcode.util.QRData(seal.encode("ascii"), mode=qrcode.util.MODE_ALPHA_NUM))
    qr.make(fit=True)
    return np.array(qr.get_matrix(), dtype=bool)


def qr_image(seal: str, params: SecurityParams) -> Image.Image:
    """The seal QR as a mode-"1" image (black = 0) with ``params.qr_module_dots`` dots per module.

    :raises DocumentError: if ``seal`` is not a valid seal string.
    """
    m = params.qr_module_dots
    ink = np.kron(qr_matrix(seal), np.ones((m, m), dtype=bool))
    return Image.fromarray(~ink)
