#!/usr/bin/python3
"""Search for UPnP media servers with GSSDP (GNOME's SSDP library) on one interface and
print each one found as "USN LOCATION", for a few seconds: an SSDP client independent of
the Go one, as gssdp-discover is where Debian ships it."""
import sys

import gi

gi.require_version("GSSDP", "1.6")
from gi.repository import GLib, GSSDP  # noqa: E402

iface, seconds = sys.argv[1], int(sys.argv[2])
client = GSSDP.Client.new_full(iface, None, 0, GSSDP.UDAVersion.VERSION_1_0)
browser = GSSDP.ResourceBrowser.new(client, "urn:schemas-upnp-org:device:MediaServer:1")


def found(_browser, usn, locations):
    for loc in locations:
        print(usn, loc, flush=True)


browser.connect("resource-available", found)
browser.set_active(True)
loop = GLib.MainLoop()
GLib.timeout_add_seconds(seconds, loop.quit)
loop.run()
