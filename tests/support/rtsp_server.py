"""An RTSP server on loopback for the tests (GStreamer's, from Debian's packages).

Usage: rtsp_server.py PORT [WIDTHxHEIGHT] [FPS]
Serves rtsp://127.0.0.1:PORT/cam: a moving test pattern (a white ball on black), H.264 over
RTP. Prints "ready PORT" once it listens; runs until killed.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
port = sys.argv[1]
width, height = (sys.argv[2] if len(sys.argv) > 2 else "160x120").split("x")
fps = sys.argv[3] if len(sys.argv) > 3 else "10"
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},"
    f"framerate={fps}/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} "
    "! rtph264pay name=pay0 pt=96 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    sys.exit(f"rtsp_server: cannot listen on 127.0.0.1:{port}")
print(f"ready {server.get_bound_port()}", flush=True)
GLib.MainLoop().run()
