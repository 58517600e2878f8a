"""Paints a test-bed desktop's identity screen (README.md, "What a desktop shows") on the X
display in $DISPLAY, and keeps its clock going.

The whole screen is the identity colour derived from the server id; a box in the middle (at most
800x200) shows the server name, its id and a clock that changes every second. Only the clock's
text is changed once a second, so the X server repaints that small area and nothing else: an idle
desktop costs next to no CPU.

Below the box, the user's notes: what is typed on the desktop's keyboard (printable ASCII,
Backspace erases) is saved at once to $HOME/notes.txt, the guest's home on its disk, and the strip
shows what that file holds, read back after each write and at start, beside a square in the
notes' colour (the identity rule applied to "notes:" + the text; the screen's colour while there
are no notes), so a test can tell through the screen alone that a file written before a shelve
is there after the wake.

In a session (--session, the stand-in for a signed-in Windows session, started by the guest's
xrdp-sesman as the user who signed in), the colour is derived from the server id and the numbers
the session runs as: sha256("session:<server id>:<uid>:<gid>"), the same way; the box shows
`id` as the session sees it instead of the id.

usage: heps_desktop_painter.py [--session] SERVER_ID SERVER_NAME
"""
import hashlib
import os
import subprocess
import sys
import time
import tkinter

BOX_WIDTH, BOX_HEIGHT = 800, 200
# The notes strip: NOTES_GAP below the box, as wide as it; the square is its first NOTES_HEIGHT pixels.
NOTES_GAP, NOTES_HEIGHT = 20, 60
NOTES_MAX = 64


def identity_colour(server_id):
    """#rrggbb: each channel 0x40 + (byte & 0x7f) of sha256(server id), never too dark or too bright."""
    return colour_of(server_id)


def session_colour(server_id, uid, gid):
    """The colour of a session running as uid/gid on this desktop."""
    return colour_of("session:%s:%d:%d" % (server_id, uid, gid))


def colour_of(text):
    b0, b1, b2 = hashlib.sha256(text.encode("utf-8")).digest()[:3]
    return "#%02x%02x%02x" % (0x40 + (b0 & 0x7F), 0x40 + (b1 & 0x7F), 0x40 + (b2 & 0x7F))


def notes_colour(server_id, notes):
    """The square's colour: the identity rule over "notes:" + the text, the screen's own colour for none."""
    return identity_colour("notes:" + notes) if notes else identity_colour(server_id)


def read_notes(path):
    """What the notes file holds, printable ASCII only, at most NOTES_MAX characters."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            text = f.read(NOTES_MAX + 1)
    except OSError:
        return ""
    return "".join(c for c in text if " " <= c <= "~")[:NOTES_MAX]


def write_notes(path, text):
    """Saved as an editor saves: a new file, flushed to the disk, renamed over the old one."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path + ".tmp", "w", encoding="ascii") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)


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
    session = sys.argv[1:2] == ["--session"]
    arguments = sys.argv[2:] if session else sys.argv[1:]
    server_id, server_name = arguments[0], printable(arguments[1])
    root = tkinter.Tk(className="heps-desktop")
    width, height = root.winfo_screenwidth(), root.winfo_screenheight()
    if session:
        colour = session_colour(server_id, os.getuid(), os.getgid())
        subtitle = subprocess.run(["id"], capture_output=True, text=True).stdout.strip()
    else:
        colour, subtitle = identity_colour(server_id), server_id
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
    canvas.create_text(middle, top + 95, text=fit(small, subtitle, BOX_WIDTH - 40), font=small, fill="#303030")
    clock = canvas.create_text(middle, top + 150, text="", font=clock_font, fill="#101010")

    def tick():
        now = time.time()
        canvas.itemconfigure(clock, text=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)))
        # Wake just after the next second starts, so the clock never skips or repeats a second.
        root.after(int((1.0 - now % 1.0) * 1000) + 5, tick)

    tick()

    notes_path = os.path.join(os.environ.get("HOME") or ".", "notes.txt")
    notes_top = top + BOX_HEIGHT + NOTES_GAP
    canvas.create_rectangle(left, notes_top, left + BOX_WIDTH - 1, notes_top + NOTES_HEIGHT - 1,
                            fill="#f4f4f4", outline="#202020", width=2)
    square = canvas.create_rectangle(left, notes_top, left + NOTES_HEIGHT - 1, notes_top + NOTES_HEIGHT - 1,
                                     fill=colour, outline="")
    notes_text = canvas.create_text(left + NOTES_HEIGHT + 16, notes_top + NOTES_HEIGHT // 2, anchor="w",
                                    text="", font=small, fill="#101010")

    def show_notes():
        text = read_notes(notes_path)
        canvas.itemconfigure(square, fill=notes_colour(server_id, text))
        canvas.itemconfigure(notes_text, text="notes: " + text if text else "notes: (type to write ~/notes.txt)")
        return text

    def key(event):
        text = read_notes(notes_path)
        if event.keysym == "BackSpace":
            text = text[:-1]
        elif len(event.char) == 1 and " " <= event.char <= "~" and len(text) < NOTES_MAX:
            text += event.char
        else:
            return
        try:
            write_notes(notes_path, text)
        except OSError as e:
            print("cannot save %s: %s" % (notes_path, e), file=sys.stderr, flush=True)
        show_notes()

    show_notes()
    root.bind("<Key>", key)
    root.focus_force()
    # The pointer into the box: X servers start it at a corner, and the corners stay the pure
    # identity colour for VNC clients that get the cursor drawn into the picture.
    root.after(100, lambda: root.event_generate("<Motion>", warp=True, x=middle, y=top + BOX_HEIGHT // 2))
    root.mainloop()


if __name__ == "__main__":
    main()
