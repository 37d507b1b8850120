"""Where the fonts live: one list for every package (the kiosk UI, the certificate layouts, the
printer emulator, the seal image).  Debian packages: fonts-ipaexfont, fonts-noto-cjk, fonts-dejavu-core
(scripts/bootstrap.sh installs them).

IPAex is the face of record: certificates print in IPAex明朝 (text) and IPAexゴシック (headings), and
the kiosk UI speaks Japanese in IPAexゴシック.  Noto CJK covers the Chinese and Korean screens, DejaVu the
Vietnamese diacritics that IPAex lacks, DejaVu Sans Mono the receipt printer's one-byte characters.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEJAVU_SANS", "DEJAVU_SANS_MONO", "IPAEX_GOTHIC", "IPAEX_MINCHO", "NOTO_SANS_CJK"]

IPAEX_MINCHO = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
IPAEX_GOTHIC = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
NOTO_SANS_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Receipt printers print one-byte characters in a fixed-pitch ROM font; the emulator draws them so.
DEJAVU_SANS_MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
