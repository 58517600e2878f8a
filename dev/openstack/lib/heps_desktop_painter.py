"""Paints a test-bed desktop's identity screen (README.md, "What a desktop shows") on the X
display in $DISPLAY, and keeps its clock going.

The whole screen is the identity colour derived from the server id; a box in the middle (at most
800x200) shows the server name, its id and a clock that changes every second. Only the clock's
text is changed once a second, so the X server repaints that small area and nothing else: an idle
desktop costs next to no CPU.

usage: heps_desktop_painter.py SERVER_ID SERVER_NAME
"""
import hashlib
import sys
import time
import tkinter

BOX_WIDTH, BOX_HEIGHT = 800, 200


def identity_colour(server_id):
    """#rrggbb: each channel 0x40 + (byte & 0x7f) of sha256(server id), never too dark or too bright."""
    b0, b1, b2 = hashlib.sha256(server_id.encode("utf-8")).digest()[:3]
    return "#%02x%02x%02x" % (0x40 + (b0 & 0x7F), 0x40 + (b1 & 0x7F), 0x40 + (b2 & 0x7F))


def printable(text):
    return "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in text)


def fit(font, text, width):
    """The text, cut with an ellipsis so it fits the box."""
    if font.measure(text) <= width:
        return text
    while text and font.measure(text + "\N{HORIZONTAL ELLIPSIS}") > width:
        text = text[:-1]
    return text + "\N{HORIZONTAL ELLIPSIS}"


def main():
    server_id, server_name = sys.argv[1], printable(sys.argv[2])
    root = tkinter.Tk(className="heps-desktop")
    width, height = root.winfo_screenwidth(), root.winfo_screenheight()
    colour = identity_colour(server_id)
    # No window manager runs on the display: the window simply covers the screen.
    root.overrideredirect(True)
    root.geometry("%dx%d+0+0" % (width, height))
    canvas = tkinter.Canvas(root, width=width, height=height, background=colour,
                            highlightthickness=0, borderwidth=0)
    canvas.pack()

    from tkinter import font as tkfont
    title = tkfont.Font(root, family="DejaVu Sans", size=26, weight="bold")
    small = tkfont.Font(root, family="DejaVu Sans Mono", size=16)
    clock_font = tkfont.Font(root, family="DejaVu Sans Mono", size=26)
    left, top = (width - BOX_WIDTH) // 2, (height - BOX_HEIGHT) // 2
    canvas.create_rectangle(left, top, left + BOX_WIDTH - 1, top + BOX_HEIGHT - 1,
                            fill="#f4f4f4", outline="#202020", width=2)
    middle = width // 2
    canvas.create_text(middle, top + 45, text=fit(title, server_name, BOX_WIDTH - 40), font=title, fill="#101010")
    canvas.create_text(middle, top + 95, text=server_id, font=small, fill="#303030")
    clock = canvas.create_text(middle, top + 150, text="", font=clock_font, fill="#101010")

    def tick():
        now = time.time()
        canvas.itemconfigure(clock, text=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)))
        # Wake just after the next second starts, so the clock never skips or repeats a second.
        root.after(int((1.0 - now % 1.0) * 1000) + 5, tick)

    tick()
    # The pointer into the box: X servers start it at a corner, and the corners stay the pure
    # identity colour for VNC clients that get the cursor drawn into the picture.
    root.after(100, lambda: root.event_generate("<Motion>", warp=True, x=middle, y=top + BOX_HEIGHT // 2))
    root.mainloop()


if __name__ == "__main__":
    main()
