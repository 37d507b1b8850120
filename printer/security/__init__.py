"""Security printing generated on the device's own dot grid (docs/printing.md §4–§5).

- ``ground``: the copy-evident 地紋 whose latent word 「複写」 emerges on a photocopy;
- ``microtext``: a 5×7-dot capital font for lines ≤0.3 mm tall (600 dpi only);
- ``guilloche``: hypotrochoid rosette and a trochoidal border band;
- ``qr``: the center's seal as an alphanumeric QR code with integer-dot modules;
- ``capabilities``: what each printer profile can and cannot carry (``capabilities(profile)``);
- ``layer``: all of the above composed into one 1-bit page layer (``security_layer``).
"""
