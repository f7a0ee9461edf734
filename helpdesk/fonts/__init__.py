"""DejaVu Sans (regular and bold; licence in LICENSE_DEJAVU): the charts' and the PDFs' font, with Cyrillic.

Shipped with the app so that no chart or PDF depends on what fonts a machine has.
"""

from pathlib import Path

FONTS = Path(__file__).parent
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
