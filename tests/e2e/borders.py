#!/usr/bin/env python3
"""tests/e2e/borders.py - do the panels of a captured screen keep their
borders?  (A helper of tests/e2e/tui_borders.sh, not a test.)

Reads a `tmux capture-pane -p` screen (UTF-8) and finds every box drawn
with the box-drawing characters (or ACS ASCII +-|).  A box is a top-left
corner, a left edge of vertical bars down to a bottom-left corner, a bottom
edge of horizontal bars to a bottom-right corner, a right edge of vertical
bars up to a top-right corner, and a top edge of horizontal bars with at
most one title (" text ") in it.  Every corner found on the screen must
belong to a whole box: a panel that wrote over its own border, or over
its neighbour's, leaves a corner whose box does not close.  Prints one
line per problem and exits 1 when there is any; prints the number of
boxes and exits 0 otherwise.
"""
import sys

TL, TR, BL, BR, H, V = "┌┐└┘─│"


def load(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        rows = f.read().split("\n")
    w = max(len(r) for r in rows) if rows else 0
    return [r.ljust(w) for r in rows]


def at(g, r, c):
    if 0 <= r < len(g) and 0 <= c < len(g[r]):
        return g[r][c]
    return " "


def box_from(g, r, c):
    """The box whose top-left corner is (r, c): None and why when it does
    not close."""
    r2 = r + 1
    while at(g, r2, c) == V:
        r2 += 1
    if at(g, r2, c) != BL:
        return None, "left edge from (%d,%d) ends in %r at row %d" % (
            r, c, at(g, r2, c), r2)
    c2 = c + 1
    while at(g, r2, c2) == H:
        c2 += 1
    if at(g, r2, c2) != BR:
        return None, "bottom edge from (%d,%d) ends in %r at column %d" % (
            r2, c, at(g, r2, c2), c2)
    for y in range(r + 1, r2):
        if at(g, y, c2) != V:
            return None, "right edge of box (%d,%d) broken at row %d: %r" % (
                r, c, y, at(g, y, c2))
    if at(g, r, c2) != TR:
        return None, "box (%d,%d): top-right corner is %r" % (
            r, c, at(g, r, c2))
    top = g[r][c + 1:c2]
    if not top.startswith(H):
        return None, "box (%d,%d): top edge starts with %r" % (r, c, top[:1])
    # one title at most: horizontal bars, " text ", horizontal bars
    rest = top.lstrip(H)
    if rest:
        if not rest.startswith(" "):
            return None, "box (%d,%d): top edge broken: %r" % (r, c, top)
        end = rest.rfind(" ")
        if rest[end + 1:].strip(H):
            return None, "box (%d,%d): top edge broken: %r" % (r, c, top)
        for ch in TL + TR + BL + BR:
            if ch in rest:
                return None, "box (%d,%d): a corner in its title: %r" % (
                    r, c, top)
    return (r, c, r2, c2), None


def main():
    g = load(sys.argv[1])
    problems, boxes = [], []
    for r, row in enumerate(g):
        for c, ch in enumerate(row):
            if ch == TL:
                b, why = box_from(g, r, c)
                if b:
                    boxes.append(b)
                else:
                    problems.append(why)
    # every other corner belongs to one of the boxes
    owned = set()
    for r, c, r2, c2 in boxes:
        owned |= {(r, c2), (r2, c), (r2, c2)}
    for r, row in enumerate(g):
        for c, ch in enumerate(row):
            if ch in TR + BL + BR and (r, c) not in owned:
                problems.append("a %r at (%d,%d) that closes no box" % (
                    ch, r, c))
    for p in problems:
        print("border: " + p)
    if problems:
        return 1
    print("%d boxes, borders whole" % len(boxes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
