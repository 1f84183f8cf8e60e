#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Answer questions from the guest about the emulated platform.

run-vm.sh starts this agent before QEMU.  The agent listens on two unix
sockets and QEMU connects to both: HOST is the chardev of a virtio-serial
port named org.mpam.host (in the guest /dev/vportNpM, driven by
scripts/mpam/mpam-host), QMP is a QMP monitor.  A test in the guest can
then check from inside the VM what the model saw: which registers the
driver programmed, which label a vCPU carries, or raise an MSC error.

Protocol, one request per line from the guest:

    ping                      -> pong
    profile                   -> the MPAM_PROFILE the VM was booted with, or none
    state                     -> qom-get /machine mpam-state (all vCPUs and MSCs)
    state N                   -> qom-get /machine/mpam-mscN state
    access-count N            -> qom-get /machine/mpam-mscN access-count
    inject-error N CODE       -> qom-set /machine/mpam-mscN inject-error CODE
    qom-get PATH PROP         -> any QOM property
    qom-set PATH PROP VALUE   -> set one (VALUE as JSON if it parses, else a string)
    hmp COMMAND...            -> human-monitor-command, e.g. "hmp info mpam"

Each answer is the text, then a line "mpam-host: ok" or
"mpam-host: error MESSAGE".  Requests and answers are logged to stderr.
"""
import argparse
import json
import os
import socket
import sys


def log(*args):
    print("host-agent:", *args, file=sys.stderr, flush=True)


class Qmp:
    def __init__(self, conn):
        self.f = conn.makefile("rw", encoding="utf-8", newline="\n")
        self.read()                     # the greeting
        self.call("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def call(self, cmd, **args):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        self.f.write(json.dumps(req) + "\n")
        self.f.flush()
        while True:
            msg = self.read()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(msg["error"].get("desc", str(msg["error"])))
            # Anything else is an asynchronous event: not ours.


def text(value):
    if isinstance(value, str):
        return value.rstrip("\n")
    return json.dumps(value)


def answer(qmp, profile, words):
    if not words:
        raise ValueError("empty request")
    cmd, args = words[0], words[1:]
    if cmd == "ping" and not args:
        return "pong"
    if cmd == "profile" and not args:
        return profile
    if cmd == "state" and len(args) <= 1:
        if args:
            return text(qmp.call("qom-get", path="/machine/mpam-msc" + str(int(args[0])),
                                 property="state"))
        return text(qmp.call("qom-get", path="/machine", property="mpam-state"))
    if cmd == "access-count" and len(args) == 1:
        return text(qmp.call("qom-get", path="/machine/mpam-msc" + str(int(args[0])),
                             property="access-count"))
    if cmd == "inject-error" and len(args) == 2:
        qmp.call("qom-set", path="/machine/mpam-msc" + str(int(args[0])),
                 property="inject-error", value=int(args[1], 0))
        return ""
    if cmd == "qom-get" and len(args) == 2:
        return text(qmp.call("qom-get", path=args[0], property=args[1]))
    if cmd == "qom-set" and len(args) == 3:
        try:
            value = json.loads(args[2])
        except ValueError:
            value = args[2]
        qmp.call("qom-set", path=args[0], property=args[1], value=value)
        return ""
    if cmd == "hmp" and args:
        return text(qmp.call("human-monitor-command", **{"command-line": " ".join(args)}))
    raise ValueError("unknown request: " + " ".join(words))


def listen(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", required=True, help="socket for the virtio-serial chardev")
    ap.add_argument("--qmp", required=True, help="socket for the QMP monitor")
    ap.add_argument("--profile", default="none")
    ap.add_argument("--ready", help="file to create once both sockets listen")
    opt = ap.parse_args()

    hs, qs = listen(opt.host), listen(opt.qmp)
    if opt.ready:
        open(opt.ready, "w").close()
    # QEMU connects to both while it creates its chardevs, before the
    # guest runs; a QEMU that fails to start never connects, and
    # run-vm.sh then kills us.
    hconn, _ = hs.accept()
    qconn, _ = qs.accept()
    qmp = Qmp(qconn)
    guest = hconn.makefile("rw", encoding="utf-8", errors="replace", newline="\n")
    log("ready, profile", opt.profile)
    for line in guest:
        words = line.split()
        log("<", line.rstrip("\n"))
        try:
            out = answer(qmp, opt.profile, words)
            status = "mpam-host: ok"
        except EOFError:
            break
        except Exception as e:      # the guest gets every error as text
            out, status = "", "mpam-host: error " + str(e).replace("\n", " ")
        log(">", status)
        guest.write((out + "\n" if out else "") + status + "\n")
        guest.flush()
    log("guest channel closed")


if __name__ == "__main__":
    try:
        main()
    except (EOFError, ConnectionError, KeyboardInterrupt):
        pass
