# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Draws the addon's App icon, static/description/icon.png, in the flat style of
Odoo's app icons: a rounded square, one white pictogram (an envelope), one accent
(a sprout: leads nurtured back to life). Run with the project's Python:
python tools/make_icon.py"""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 512  # drawn large, saved at 256 with antialiasing
PURPLE = (113, 75, 103)
PURPLE_DARK = (87, 56, 79)
WHITE = (255, 255, 255)
GREEN = (33, 183, 154)


def draw():
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, SIZE - 1, SIZE - 1), radius=96, fill=PURPLE)
    # A soft diagonal shade, as Odoo's icons have.
    pen.polygon(
        [(SIZE, SIZE * 0.35), (SIZE, SIZE), (SIZE * 0.35, SIZE)], fill=PURPLE_DARK
    )
    pen.rounded_rectangle(
        (0, 0, SIZE - 1, SIZE - 1), radius=96, outline=PURPLE, width=2
    )
    # Envelope.
    left, top, right, bottom = 64, 196, 304, 364
    pen.rounded_rectangle((left, top, right, bottom), radius=18, fill=WHITE)
    middle = (left + right) // 2
    pen.line(
        [(left + 14, top + 16), (middle, top + 96), (right - 14, top + 16)],
        fill=PURPLE,
        width=16,
        joint="curve",
    )
    # Sprout growing from the envelope's corner: a stem and two leaves.
    pen.line([(384, 364), (384, 214)], fill=GREEN, width=20)
    pen.ellipse((384, 146, 468, 214), fill=GREEN)
    pen.ellipse((322, 186, 386, 236), fill=GREEN)
    pen.rounded_rectangle((344, 356, 424, 376), radius=10, fill=GREEN)
    image = image.resize((256, 256), Image.LANCZOS)
    # Rounded corners stay clean after the resize.
    mask = Image.new("L", (256, 256), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, 255, 255), radius=48, fill=255)
    image.putalpha(mask)
    return image


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "static/description/icon.png"
    draw().save(target, optimize=True)
    # A command-line tool: it says what it wrote.
    print(target)  # pylint: disable=print-used
